"""Kata 16 · an independent solution: a pure ASGI middleware counts the body; a sync route reads the file."""

import asyncio
import hashlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, File, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the largest file POST /upload accepts: 2 MiB
SIGNATURES = {  # the types POST /upload accepts, and the bytes every such file starts with
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
READING_DELAY = 0.2  # seconds fetch_readings() waits before each reading


async def fetch_readings(count: int) -> AsyncIterator[dict]:
    """Yield `count` sensor readings, one every READING_DELAY seconds. Do not change it.

    A stand-in for a slow source: a database cursor, a remote API, a model generating tokens.
    """
    for number in range(1, count + 1):
        await asyncio.sleep(READING_DELAY)
        yield {"id": number, "sensor": f"s-{number % 3}", "celsius": 18 + (number * 7 % 10) / 4}



class UploadBodyLimit:
    """Refuse a POST /upload body above ``limit`` bytes: at once from its Content-Length, else while it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/upload":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await JSONResponse({"detail": "request body too large"}, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, "request body too large")  # FastAPI re-raises it from form parsing
            return message

        await self.app(scope, counted, send)


app = FastAPI(title="Kata Uploads and Streaming")
app.add_middleware(UploadBodyLimit, limit=MAX_UPLOAD_BYTES + 16 * 1024)


@app.post("/upload", status_code=201)
def upload(file: UploadFile = File(...)):
    expected = SIGNATURES.get(file.content_type)
    if not expected:
        raise HTTPException(415, "unsupported type")
    digest, size, first = hashlib.sha256(), 0, b""
    while True:
        block = file.file.read(256 * 1024)
        if not block:
            break
        if len(first) < len(expected):
            first += block[: len(expected) - len(first)]
        size += len(block)
        if size > MAX_UPLOAD_BYTES:
            raise HTTPException(413, "too large")
        digest.update(block)
    if not first.startswith(expected) or len(first) < len(expected):
        raise HTTPException(415, "content does not match its type")
    return {"filename": file.filename, "content_type": file.content_type, "size": size, "sha256": digest.hexdigest()}


@app.get("/readings")
def readings(count: int = Query(default=5, ge=1, le=100)):
    lines = (f"{r['id']},{r['sensor']},{r['celsius']}\n" async for r in fetch_readings(count))

    async def body():
        yield "id,sensor,celsius\n"
        async for line in lines:
            yield line

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="readings.csv"'})
