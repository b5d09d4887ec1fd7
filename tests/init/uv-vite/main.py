"""Stand-in for the Incident Tracker FastAPI backend."""

import os

from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
app = FastAPI()


@app.get("/api/health")
def health():
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM incidents"))
    return {"status": "ok"}


@app.get("/api/incidents")
def incidents():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, title FROM incidents ORDER BY id")).all()
    return [{"id": r.id, "title": r.title} for r in rows]
