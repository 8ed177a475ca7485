"""Kata 10: a FastAPI app configured for production (settings, probes, proxy awareness)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response, status
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Configuration read from the environment (twelve-factor)."""

    app_name: str = "Kata Deploy"
    database_url: str  # required: no default, the app refuses to start without it


# Read once at import time: a missing DATABASE_URL raises a ValidationError naming it, which
# makes the Gunicorn worker fail to boot and the master stop ("Worker failed to boot").
settings = Settings()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ready = True
    try:
        yield
    finally:
        # Shutdown has begun: tell the load balancer to drain us first.
        app.state.ready = False


app = FastAPI(title=settings.app_name, lifespan=lifespan)
app.state.ready = False


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
async def readyz(request: Request, response: Response) -> dict[str, str]:
    if not getattr(request.app.state, "ready", False):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "not ready"}
    return {"status": "ready"}


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/whoami")
async def whoami(request: Request) -> dict[str, str | None]:
    return {
        "url": str(request.url_for("whoami")),
        "client": request.client.host if request.client else None,
    }
