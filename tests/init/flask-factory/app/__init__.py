"""The application package: a factory, as Flask recommends."""

from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return "ok\n"

    return app
