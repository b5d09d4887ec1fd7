import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["DOCSTORE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("DOCSTORE_ALLOWED_HOSTS", "localhost").split(",")
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "docstore.urls"
WSGI_APPLICATION = "docstore.wsgi.application"
ASGI_APPLICATION = "docstore.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DOCSTORE_DB_NAME", "docstore"),
    }
}
