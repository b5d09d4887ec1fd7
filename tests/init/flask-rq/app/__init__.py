import os

from flask import Flask
from redis import Redis


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["APP_SECRET_KEY"]
    app.redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))

    @app.get("/ping")
    def ping():
        return "PONG."

    return app
