from flask import Flask, Response


def create_app():
    app = Flask(__name__)
    app.config.from_object("config.Config")

    @app.route("/ping")
    def ping():
        return "pong"

    @app.route("/stream")
    def stream():
        return Response(iter(["data: hello\n\n"]), mimetype="text/event-stream")

    return app
