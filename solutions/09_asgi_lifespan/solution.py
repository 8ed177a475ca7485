"""Kata 09 reference solution: one ASGI callable wraps the app; the lifespan owns the model."""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, WebSocket
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SentimentModel:
    """A stand-in for an ML model: loading a real one is slow, so it is done once, at startup."""

    WEIGHTS = {"good": 1.0, "great": 2.0, "love": 2.0, "bad": -1.0, "awful": -2.0, "hate": -2.0}

    def __init__(self) -> None:
        self.predictions = 0

    def predict(self, text: str) -> float:
        self.predictions += 1
        return sum(self.WEIGHTS.get(word, 0.0) for word in text.lower().split())


class PredictIn(BaseModel):
    text: str


class ProcessTimeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_time(message: Message) -> None:
            # Key idea: a pure ASGI middleware edits messages on their way out; headers travel
            # in http.response.start, before any body, and websocket/lifespan never get here.
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - start
                message["headers"] = [*message.get("headers", []), (b"x-process-time", f"{elapsed:.6f}".encode())]
            await send(message)

        await self.app(scope, receive, send_with_time)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.model = SentimentModel()
    yield
    report = os.environ.get("KATA_SHUTDOWN_FILE")
    if report:
        with open(report, "w", encoding="utf-8") as file:
            json.dump({"predictions": app.state.model.predictions}, file)
    del app.state.model


app = FastAPI(lifespan=lifespan)
app.add_middleware(ProcessTimeMiddleware)


def loaded_model(app: FastAPI) -> SentimentModel | None:
    return getattr(app.state, "model", None)


@app.post("/predict")
async def predict(body: PredictIn, request: Request) -> dict[str, float]:
    model = loaded_model(request.app)
    if model is None:
        raise HTTPException(status_code=503, detail="model not loaded")
    return {"score": model.predict(body.text)}


@app.websocket("/ws")
async def predict_stream(websocket: WebSocket) -> None:
    await websocket.accept()
    model = loaded_model(websocket.app)
    async for text in websocket.iter_text():
        await websocket.send_json({"score": model.predict(text)})


async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    more_body = True
    while more_body:
        message = await receive()
        body += message.get("body", b"")
        more_body = message.get("more_body", False)
    inner_path = scope["path"][len(scope.get("root_path", "")) :] or "/"
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
    })
    await send({"type": "http.response.body", "body": f"{scope['method']} {inner_path}\n".encode() + body})


app.mount("/raw", raw_echo)
