"""Celery application: broker and options come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("returnpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Platform tasks (the /healthz heartbeat) live in config/, which is not an app.
app.autodiscover_tasks(["config"])
