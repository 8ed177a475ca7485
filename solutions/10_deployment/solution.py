"""Kata 10 reference solution: configuration from the environment, probes a platform can trust."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    app_name: str = "Kata Deploy"
    database_url: str


# Key idea: read the environment once, at start-up. Without DATABASE_URL this line raises,
# so the worker never boots and Gunicorn stops with the reason, instead of serving half-configured.
settings = Settings()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ready = True
    yield
    app.state.ready = False


app = FastAPI(title=settings.app_name, lifespan=lifespan)
app.state.ready = False


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
async def readyz(request: Request, response: Response) -> dict[str, str]:
    if not request.app.state.ready:
        response.status_code = 503
        return {"status": "not ready"}
    return {"status": "ready"}


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/whoami")
async def whoami(request: Request) -> dict[str, str | None]:
    client = request.client.host if request.client else None
    return {"url": str(request.url_for("whoami")), "client": client}
