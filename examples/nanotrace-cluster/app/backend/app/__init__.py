"""Stand-in for the NanoTrace Flask factory: just enough to exercise the deployment."""

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.get("/")
    def index():
        return "NanoTrace\n"

    @app.get("/login")
    def login():
        return "NanoTrace auth: login\n"

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1 FROM traces LIMIT 1"))
        return "ok\n", 200

    @app.cli.group("db")
    def db_commands():
        """Database migrations (stands in for Flask-Migrate's `flask db`)."""

    @db_commands.command("upgrade")
    def upgrade():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS traces (id serial PRIMARY KEY, name text)"))

    return app
