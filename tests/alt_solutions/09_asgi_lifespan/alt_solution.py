"""Kata 09, a second solution written from the README: lifespan state, a closure middleware,
an APIRouter with a dependency, sync routes, and a class-based raw ASGI app."""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware

REPORT = os.getenv("KATA_SHUTDOWN_FILE")  # read once, at import


class SentimentModel:
    WEIGHTS = {"good": 1.0, "great": 2.0, "love": 2.0, "bad": -1.0, "awful": -2.0, "hate": -2.0}

    def __init__(self) -> None:
        self.predictions = 0

    def predict(self, text: str) -> float:
        self.predictions += 1
        return sum(self.WEIGHTS.get(word, 0.0) for word in text.lower().split())


class PredictIn(BaseModel):
    text: str


def process_time_middleware(app: Any) -> Any:
    """A middleware factory: takes the wrapped app, returns the wrapping ASGI callable."""

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            began = time.monotonic()

            async def timed_send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message).append("X-Process-Time", repr(time.monotonic() - began))
                await send(message)

            return await app(scope, receive, timed_send)
        return await app(scope, receive, send)

    return asgi


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, SentimentModel]]:
    model = SentimentModel()
    yield {"model": model}
    if REPORT:
        Path(REPORT).write_text(json.dumps({"predictions": model.predictions}))


def get_model(request: Request) -> SentimentModel:
    model = getattr(request.state, "model", None)
    if model is None:
        raise HTTPException(503, "model not loaded")
    return model


router = APIRouter()


@router.post("/predict")
def predict(body: PredictIn, model: Annotated[SentimentModel, Depends(get_model)]) -> dict:
    return {"score": model.predict(body.text)}


@router.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    model = websocket.state.model
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(json.dumps({"score": model.predict(text)}))
    except WebSocketDisconnect:
        pass


class RawEcho:
    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        inside = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        body = f"{scope['method']} {inside}\n".encode() + b"".join(chunks)
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


raw_echo = RawEcho()

app = FastAPI(lifespan=lifespan, middleware=[Middleware(process_time_middleware)])
app.include_router(router)
app.mount("/raw", raw_echo)
