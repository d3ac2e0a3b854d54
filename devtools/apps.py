from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Installed by config/settings/local.py and test.py only; no models."""

    name = "devtools"
