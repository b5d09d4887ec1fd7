from fastapi import FastAPI

app = FastAPI(title="Notes")


@app.get("/healthz")
def health():
    return {"ok": True}
