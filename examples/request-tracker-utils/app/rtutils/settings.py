"""Stand-in settings for Request Tracker Utils: configuration comes from the environment."""

import os
from pathlib import Path

STATE = Path(os.environ.get("STATE_DIRECTORY", ".").split(":")[0])
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "false") == "true"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
ROOT_URLCONF = "rtutils.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["DATABASE_URL"].removeprefix("sqlite:///"),
    }
}
STATIC_URL = "static/"
STATIC_ROOT = STATE / "static"
MEDIA_ROOT = STATE / "media"
RT_URL = os.environ.get("RT_URL")
USE_TZ = True
