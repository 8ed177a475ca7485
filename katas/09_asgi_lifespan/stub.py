"""Kata 09 · ASGI, Uvicorn, startup and shutdown.

The task is in README.md next to this file. Grade it with:  pytest katas/09_asgi_lifespan
"""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, WebSocket
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SentimentModel:
    """A stand-in for an ML model: loading a real one is slow, so it is done once, at startup.

    Given: nothing to change here.
    """

    WEIGHTS = {"good": 1.0, "great": 2.0, "love": 2.0, "bad": -1.0, "awful": -2.0, "hate": -2.0}

    def __init__(self) -> None:
        self.predictions = 0

    def predict(self, text: str) -> float:
        self.predictions += 1
        return sum(self.WEIGHTS.get(word, 0.0) for word in text.lower().split())


class PredictIn(BaseModel):
    text: str


class ProcessTimeMiddleware:
    """A pure ASGI middleware: built once with the app it wraps, then called once per connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: for HTTP only, start a clock, and add the header X-Process-Time (seconds, as
        # text) to the "http.response.start" message on its way out. Pass websocket and
        # lifespan scopes to the wrapped app untouched.
        await self.app(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # TODO: at startup, create the SentimentModel and make it reachable from the routes.
    yield
    # TODO: at shutdown, write {"predictions": N} to the file named by KATA_SHUTDOWN_FILE
    # (when that variable is set), then release the model.


# TODO: give the app your lifespan, and register ProcessTimeMiddleware with app.add_middleware.
app = FastAPI()


# TODO: POST /predict takes a PredictIn body and answers {"score": <the model's prediction>},
# or 503 {"detail": "model not loaded"} when the lifespan has not loaded the model.


# TODO: websocket /ws accepts, then answers each text message with {"score": ...} as JSON.


async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
    # TODO: a raw ASGI app (no FastAPI, no Starlette Request/Response). Read the whole body,
    # then answer 200, text/plain: "<METHOD> <path inside the mount>\n" followed by the body.
    raise NotImplementedError


# TODO: mount raw_echo under /raw.
