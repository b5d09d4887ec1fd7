import os

from flask import Flask
from redis import Redis


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["APP_SECRET_KEY"]
    # The directory attribute that holds a user's name (a key of the entry, not a secret).
    app.config["LDAP_NAME_KEY"] = os.environ.get("APP_LDAP_DISPLAY_NAME_KEY", "displayName")
    app.redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))

    @app.get("/ping")
    def ping():
        return "PONG."

    return app
