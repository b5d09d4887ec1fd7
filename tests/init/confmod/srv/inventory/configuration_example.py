# Required settings: copy this file to configuration.py and fill it in.
ALLOWED_HOSTS = []

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "inventory",
        "USER": "",
        "PASSWORD": "",
        "HOST": "localhost",
    }
}

REDIS = {
    "tasks": {
        "HOST": "localhost",
        "PORT": 6379,
        "DATABASE": 0,
    },
    "caching": {
        "HOST": "localhost",
        "PORT": 6379,
        "DATABASE": 1,
    },
}

SECRET_KEY = ""
