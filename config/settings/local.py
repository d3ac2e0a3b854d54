"""Local development: DEBUG on, SQLite and in-process tasks unless DATABASE_URL / REDIS_URL say otherwise."""

import warnings

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)

# runserver serves static files from the app folders; there is no collectstatic output locally.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
