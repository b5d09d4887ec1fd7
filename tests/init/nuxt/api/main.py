from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

app = FastAPI()


@app.get("/api/health")
def health():
    return {"ok": True}


# `nuxt generate` writes the site to web/.output/public (built before starting the app).
app.mount("/", StaticFiles(directory="web/.output/public", html=True))
