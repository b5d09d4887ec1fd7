from flask import Flask


def create_app():
    app = Flask("ledger")
    return app
