"""Kata 09 variant: lifespan state, sync routes, raw app as a callable class."""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.middleware import Middleware
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
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


SHUTDOWN_FILE = os.environ.get("KATA_SHUTDOWN_FILE")


class ProcessTimeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            t0 = time.monotonic()

            async def timed_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message)["X-Process-Time"] = "%.9f" % (
                        time.monotonic() - t0
                    )
                await send(message)

            return await self.app(scope, receive, timed_send)
        return await self.app(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    model = SentimentModel()
    yield {"model": model}
    if SHUTDOWN_FILE:
        with open(SHUTDOWN_FILE, "w") as f:
            f.write(json.dumps({"predictions": model.predictions}))
    del model


app = FastAPI(lifespan=lifespan, middleware=[Middleware(ProcessTimeMiddleware)])


def _model(conn: Request | WebSocket) -> SentimentModel:
    model = getattr(conn.state, "model", None)
    if model is None:
        raise HTTPException(503, "model not loaded")
    return model


@app.post("/predict")
def predict(payload: PredictIn, request: Request):
    return {"score": _model(request).predict(payload.text)}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    model = websocket.state.model
    try:
        async for text in websocket.iter_text():
            await websocket.send_text(json.dumps({"score": model.predict(text)}))
    except WebSocketDisconnect:
        pass


class RawEcho:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        chunks = []
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        inner = scope["path"][len(scope.get("root_path", "")):] or "/"
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        })
        await send({
            "type": "http.response.body",
            "body": f"{scope['method']} {inner}\n".encode() + b"".join(chunks),
        })


raw_echo = RawEcho()
app.mount("/raw", raw_echo)
