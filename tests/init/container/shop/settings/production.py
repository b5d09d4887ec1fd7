import os

import dj_database_url

from .base import *  # noqa: F403

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "True") == "True"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
CSRF_TRUSTED_ORIGINS = os.environ.get("CSRF_TRUSTED_ORIGINS", "http://localhost").split(",")
DATABASES = {"default": dj_database_url.config(default="sqlite:///db.sqlite3")}
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", os.path.join(BASE_DIR, "media"))
STATIC_ROOT = os.environ.get("STATIC_ROOT", "/srv/app/static")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
