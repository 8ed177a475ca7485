"""Kata 10, second solution written from the README: lazy cached settings read in the
lifespan, sync routes on an APIRouter, readiness as a small class-based dependency."""

import os
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False)

    app_name: str = Field(default="Kata Deploy")
    database_url: str = Field(min_length=1)


@lru_cache
def get_settings() -> Settings:
    return Settings()


class Readiness:
    def __init__(self) -> None:
        self.ready = False

    def __call__(self) -> bool:
        return self.ready


readiness = Readiness()


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()  # raises while starting up when DATABASE_URL is missing
    app.title = settings.app_name
    readiness.ready = True
    try:
        yield
    finally:
        readiness.ready = False


probes = APIRouter(tags=["probes"])


@probes.get("/healthz")
def liveness():
    return {"status": "ok"}


@probes.get("/readyz")
def readiness_probe(ready: Annotated[bool, Depends(readiness)]):
    if not ready:
        return JSONResponse({"status": "not ready"}, status_code=503)
    return {"status": "ready"}


info = APIRouter()


@info.get("/pid")
def process_id():
    return {"pid": os.getpid()}


@info.get("/whoami", name="whoami")
def who_am_i(request: Request):
    return {"url": f"{request.url_for('whoami')}", "client": request.client.host if request.client else None}


app = FastAPI(lifespan=lifespan)
app.include_router(probes)
app.include_router(info)
