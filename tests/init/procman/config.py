import os

basedir = os.path.abspath(os.path.dirname(__file__))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(basedir, "board.db")
    REDIS_URL = os.environ.get("REDIS_URL") or "redis://"
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or os.path.join(basedir, "uploads")
    LOG_TO_STDOUT = os.environ.get("LOG_TO_STDOUT")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
