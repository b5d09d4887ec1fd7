from fastapi import FastAPI

api = FastAPI()


@api.get("/api/healthz")
def healthz():
    return {"ok": True}
