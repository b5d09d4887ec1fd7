import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "shelf.urls"
WSGI_APPLICATION = "shelf.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("SHELF_DB_NAME", "shelf"),
    }
}
QUEUE_BROKER_HOST = os.environ.get("QUEUE_BROKER_HOST", "localhost")
QUEUE_BROKER_PORT = int(os.environ.get("QUEUE_BROKER_PORT", "6379"))
QUEUE_BROKER_DB_INDEX = int(os.environ.get("QUEUE_BROKER_DB_INDEX", "0"))
QUEUE_BROKER_URL = os.environ.get(
    "QUEUE_BROKER_URL",
    f"redis://{QUEUE_BROKER_HOST}:{QUEUE_BROKER_PORT}/{QUEUE_BROKER_DB_INDEX}",
)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", QUEUE_BROKER_URL)
CELERY_BROKER_POOL_LIMIT = int(os.environ.get("CELERY_BROKER_POOL_LIMIT", "10"))
