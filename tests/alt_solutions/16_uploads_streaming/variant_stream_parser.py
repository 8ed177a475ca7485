"""Kata 16 · a variant without UploadFile: the route parses request.stream() itself, hashing as it goes."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from python_multipart.multipart import MultipartParser, parse_options_header

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



app = FastAPI(title="Kata Uploads and Streaming")


class FilePart:
    """What the parser has seen of the part named "file" so far."""

    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.filename: str | None = None
        self.content_type: str | None = None
        self.size = 0
        self.head = b""
        self.digest = hashlib.sha256()
        self.done = False


@app.post("/upload", status_code=201)
async def upload(request: Request) -> dict:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise RequestValidationError([{"type": "missing", "loc": ("body", "file"), "msg": "Field required", "input": None}])
    state = {"name": b"", "value": b"", "headers": {}, "current": None}
    found: list[FilePart] = []

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["name"].lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["current"] = None
        if disposition.get(b"name") == b"file" and b"filename" in disposition and not found:
            part = FilePart()
            part.filename = disposition[b"filename"].decode("utf-8", "replace")
            part.content_type = state["headers"].get(b"content-type", b"").decode("latin-1") or None
            found.append(part)
            state["current"] = part
        state["headers"] = {}

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = state["current"]
        if part is not None:
            piece = data[start:end]
            part.size += len(piece)
            if len(part.head) < 16:
                part.head += piece[: 16 - len(part.head)]
            part.digest.update(piece)

    parser = MultipartParser(options[b"boundary"], {
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
    })
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_UPLOAD_BYTES + 32 * 1024:
            raise HTTPException(413, "request too large")
        parser.write(chunk)
        if found and found[0].content_type not in SIGNATURES:
            raise HTTPException(415, "unsupported type")  # no need to read on
        if found and found[0].size > MAX_UPLOAD_BYTES:
            raise HTTPException(413, "file too large")
    parser.finalize()
    if not found:
        raise RequestValidationError([{"type": "missing", "loc": ("body", "file"), "msg": "Field required", "input": None}])
    part = found[0]
    if not part.head.startswith(SIGNATURES[part.content_type]):
        raise HTTPException(415, "content does not match its type")
    return {"filename": part.filename, "content_type": part.content_type, "size": part.size, "sha256": part.digest.hexdigest()}


@app.get("/readings")
async def readings(count: Annotated[int, Query(ge=1, le=100)] = 5) -> StreamingResponse:
    async def csv() -> AsyncIterator[bytes]:
        yield b"id,sensor,celsius\n"
        async for r in fetch_readings(count):
            yield f"{r['id']},{r['sensor']},{r['celsius']}\n".encode()

    response = StreamingResponse(csv(), media_type="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="readings.csv"'
    return response
