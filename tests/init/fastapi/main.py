from fastapi import FastAPI

app = FastAPI(title="Tracker API")


@app.get("/api/health")
def health():
    return {"status": "ok"}
