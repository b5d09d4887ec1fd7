import importlib
import os

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    configuration = importlib.import_module("inventory.configuration")
except ModuleNotFoundError:
    raise ImproperlyConfigured("Copy inventory/configuration_example.py to inventory/configuration.py")

ALLOWED_HOSTS = getattr(configuration, "ALLOWED_HOSTS")
DATABASES = getattr(configuration, "DATABASES")
SECRET_KEY = getattr(configuration, "SECRET_KEY")
REDIS = getattr(configuration, "REDIS")
MEDIA_ROOT = getattr(configuration, "MEDIA_ROOT", os.path.join(BASE_DIR, "media"))
INSTALLED_APPS = ["django.contrib.staticfiles", "django_rq"]
STATIC_ROOT = os.path.join(BASE_DIR, "static")
WSGI_APPLICATION = "inventory.wsgi.application"
