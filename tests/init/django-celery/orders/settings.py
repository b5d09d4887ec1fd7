import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["ORDERS_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ORDERS_ALLOWED_HOSTS", "localhost").split(",")
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "orders.urls"
WSGI_APPLICATION = "orders.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("ORDERS_DB_NAME", "orders"),
    }
}
CELERY_BROKER_URL = os.environ.get("ORDERS_BROKER_URL", "redis://localhost:6379/0")
# How long an account stays locked after failed logins (a duration, not a secret).
RESET_PASSWORD_LOCK_TIME = os.environ.get("ORDERS_RESET_PASSWORD_LOCK_TIME", "15 minutes")
# How often an API token may be used ("150/minute"), a rate, not a secret.
TOKEN_THROTTLE_RATE = os.environ.get("ORDERS_TOKEN_THROTTLE_RATE", "150/minute")
