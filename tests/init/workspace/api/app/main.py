from fastapi import FastAPI

from app.core.config import settings

app = FastAPI(title=settings.PROJECT_NAME)


@app.get("/api/utils/health-check/")
def health() -> bool:
    return True
