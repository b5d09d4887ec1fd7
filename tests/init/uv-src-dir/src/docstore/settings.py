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
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DOCSTORE_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
