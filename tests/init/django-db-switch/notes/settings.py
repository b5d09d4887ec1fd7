import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["NOTES_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
ROOT_URLCONF = "notes.urls"
WSGI_APPLICATION = "notes.wsgi.application"

# The database: SQLite in the data directory unless NOTES_DB_ENGINE says otherwise.
NOTES_DB_ENGINE = os.getenv("NOTES_DB_ENGINE", "sqlite")
NOTES_DB_HOST = os.getenv("NOTES_DB_HOST", "localhost")
NOTES_DB_NAME = os.getenv("NOTES_DB_NAME", "notes")
NOTES_DB_USER = os.getenv("NOTES_DB_USER", "notes")

if NOTES_DB_ENGINE == "postgres":
    default_database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": NOTES_DB_NAME,
        "USER": NOTES_DB_USER,
        "HOST": NOTES_DB_HOST,
    }
else:
    default_database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(BASE_DIR, "data", "db.sqlite3"),
    }

DATABASES = {"default": default_database}

# django-auth-ldap's settings share the AUTH_ prefix; the search filter is no secret.
AUTH_LDAP_USER_SEARCH_FILTER_STR = os.getenv("AUTH_LDAP_USER_SEARCH_FILTER_STR", "(uid=%(user)s)")

# The Redis the cache and the task queue share, as one URL (`redis://…` or `unix://…`).
NOTES_REDIS_URL_PARTS = os.getenv("NOTES_REDIS", None)
