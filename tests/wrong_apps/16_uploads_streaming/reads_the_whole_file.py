"""Kata 16, wrong: reads the whole file into memory, then checks its size (breaks rule 5).

Fails: test_a_huge_upload_is_refused_while_it_arrives[content-length], test_a_huge_upload_is_refused_while_it_arrives[chunked]
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, UploadFile, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

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


# The key idea: max_body_size counts the body as it arrives and answers 413 the moment it passes
# the limit, before FastAPI has parsed (and spooled to disk) the whole multipart body. The limit
# leaves 64 KiB for the multipart envelope (boundaries, part headers) around the file.
@app.post("/upload", status_code=201)  # wrong: no limit while the body arrives
async def upload(file: UploadFile) -> dict[str, object]:
    signature = SIGNATURES.get(file.content_type or "")
    if signature is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    content = await file.read()  # wrong: all of it, in memory
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE)
    await file.seek(0)
    if await file.read(len(signature)) != signature:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE)
    await file.seek(0)
    digest = await run_in_threadpool(hashlib.file_digest, file.file, "sha256")  # chunk by chunk, in a thread
    return {"filename": file.filename, "content_type": file.content_type, "size": file.size, "sha256": digest.hexdigest()}


async def readings_csv(count: int) -> AsyncIterator[str]:
    yield "id,sensor,celsius\n"
    async for reading in fetch_readings(count):
        yield f"{reading['id']},{reading['sensor']},{reading['celsius']}\n"


@app.get("/readings")
async def readings(count: Annotated[int, Query(ge=1, le=100)] = 5) -> StreamingResponse:
    return StreamingResponse(
        readings_csv(count), media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="readings.csv"'}
    )
