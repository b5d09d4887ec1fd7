import os

from fastapi import FastAPI
from sqlalchemy import create_engine

DB_ENGINE = os.environ.get("DB_ENGINE", "sqlite")
DATA_DIR = os.environ.get("DATA_DIR", "/app/data")
POSTGRES_USER = os.environ.get("POSTGRES_USER", "app")
POSTGRES_PASSWORD = os.environ.get("POSTGRES_PASSWORD", "app")

if DB_ENGINE == "postgres":
    url = f"postgresql://{POSTGRES_USER}:{POSTGRES_PASSWORD}@localhost/app"
else:
    url = f"sqlite:///{DATA_DIR}/app.db"

engine = create_engine(url)
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
