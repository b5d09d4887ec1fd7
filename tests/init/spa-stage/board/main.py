import os

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

app = FastAPI()

# The image sets it to where it copies the built client.
CLIENT_DIR = os.environ.get("CLIENT_DIR", "")


@app.get("/api/health")
def health():
    return {"ok": True}


if CLIENT_DIR and os.path.isdir(CLIENT_DIR):
    app.mount("/", StaticFiles(directory=CLIENT_DIR, html=True), name="client")
