"""Kata 09, written from the README alone: a module-level model registry, middleware given to
the constructor, the report path read at import, MutableHeaders in the middleware."""

import json
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware

REPORT = os.environ.get("KATA_SHUTDOWN_FILE")  # read once, at import (the README allows it)


class SentimentModel:
    WEIGHTS = {"good": 1.0, "great": 2.0, "love": 2.0, "bad": -1.0, "awful": -2.0, "hate": -2.0}

    def __init__(self) -> None:
        self.predictions = 0

    def predict(self, text: str) -> float:
        self.predictions += 1
        return sum(self.WEIGHTS.get(word, 0.0) for word in text.lower().split())


class PredictIn(BaseModel):
    text: str


models: dict[str, SentimentModel] = {}


class ProcessTimeMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        began = time.monotonic()

        async def timed_send(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Process-Time", format(time.monotonic() - began, ".6f"))
            await send(message)

        await self.app(scope, receive, timed_send)


@asynccontextmanager
async def lifespan(app):
    models["sentiment"] = SentimentModel()
    yield
    model = models.pop("sentiment")
    if REPORT:
        Path(REPORT).write_text(json.dumps({"predictions": model.predictions}), encoding="utf-8")


app = FastAPI(lifespan=lifespan, middleware=[Middleware(ProcessTimeMiddleware)])


@app.post("/predict")
def predict(payload: PredictIn):
    model = models.get("sentiment")
    if model is None:
        return JSONResponse({"detail": "model not loaded"}, status_code=503)
    return {"score": model.predict(payload.text)}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(json.dumps({"score": models["sentiment"].predict(text)}))
    except WebSocketDisconnect:
        pass


async def read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def raw_echo(scope, receive, send):
    body = await read_body(receive)
    path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": f"{scope['method']} {path}\n".encode() + body})


app.mount("/raw", raw_echo)
