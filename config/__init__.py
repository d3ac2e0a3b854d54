"""config: settings, the URL map, Celery, WSGI/ASGI and site-wide middleware: the project's composition root.

It may import every app (the URL map includes them all); no app imports config (they read django.conf.settings).
The Celery app is loaded with Django so @shared_task binds to it.
"""

from config.celery import app as celery_app

__all__ = ("celery_app",)
