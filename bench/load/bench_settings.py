"""Production settings plus one bare view, so the bench measures pages against Django's own floor."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
# Locust fetches pages, not their CSS and JS: plain static URLs, so no collectstatic step is needed.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
