"""Kata 10, written from the README alone: settings read when the app starts, probes on a router."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True)

    APP_NAME: str = "Kata Deploy"
    DATABASE_URL: str


state = {"ready": False}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = Settings()  # raises, naming DATABASE_URL, when it is missing: the worker never boots
    app.title = settings.APP_NAME
    app.openapi_schema = None
    state["ready"] = True
    try:
        yield
    finally:
        state["ready"] = False


probes = APIRouter()


@probes.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@probes.get("/readyz")
def readyz():
    if state["ready"]:
        return {"status": "ready"}
    return JSONResponse({"status": "not ready"}, status_code=503)


app = FastAPI(lifespan=lifespan)
app.include_router(probes)


@app.get("/pid")
def pid() -> dict:
    return {"pid": os.getpid()}


@app.get("/whoami", name="whoami")
def whoami(request: Request) -> dict:
    return {"url": f"{request.url_for('whoami')}", "client": getattr(request.client, "host", None)}
