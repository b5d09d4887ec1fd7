from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.get("/ping")
    def ping():
        return "PONG."

    return app
