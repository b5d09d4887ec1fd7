from fastapi import FastAPI


def create_app() -> FastAPI:
    """The application, built by a factory (its server imports the module that calls it)."""
    app = FastAPI(title="wallet")

    @app.get("/api/v1/health")
    def health():
        return {"status": "ok"}

    return app
