"""Kata 09 · ASGI, Uvicorn, startup and shutdown."""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - start
                headers = list(message.get("headers", []))
                headers.append((b"x-process-time", f"{elapsed:.6f}".encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_time)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.model = SentimentModel()
    try:
        yield
    finally:
        model = app.state.model
        report_path = os.environ.get("KATA_SHUTDOWN_FILE")
        if report_path and model is not None:
            with open(report_path, "w", encoding="utf-8") as f:
                json.dump({"predictions": model.predictions}, f)
        app.state.model = None


app = FastAPI(lifespan=lifespan)
app.add_middleware(ProcessTimeMiddleware)


def get_model(app_: FastAPI) -> SentimentModel | None:
    return getattr(app_.state, "model", None)


@app.post("/predict")
async def predict(body: PredictIn, request: Request) -> dict[str, float]:
    model = get_model(request.app)
    if model is None:
        raise HTTPException(status_code=503, detail="model not loaded")
    return {"score": model.predict(body.text)}


@app.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            model = get_model(websocket.app)
            if model is None:
                await websocket.close(code=1011, reason="model not loaded")
                return
            await websocket.send_json({"score": model.predict(text)})
    except WebSocketDisconnect:
        pass


async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break

    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    path = path or "/"

    payload = f"{scope['method']} {path}\n".encode("utf-8") + body
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(payload)).encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


app.mount("/raw", raw_echo)
