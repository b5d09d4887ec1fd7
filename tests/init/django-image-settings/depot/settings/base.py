import os

SECRET_KEY = os.environ["SECRET_KEY"]
ROOT_URLCONF = "depot.urls"
WSGI_APPLICATION = "depot.wsgi.application"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
