from flask import Flask

from forum.extensions import celery, db


def create_app(config=None):
    app = Flask("forum")
    app.config.from_object("forum.defaults")
    if config is not None:
        app.config.from_pyfile(config, silent=True)
    db.init_app(app)
    celery.conf.update(app.config)
    return app
