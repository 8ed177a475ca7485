"""Kata 16 · Uploads and streaming: a size limit enforced while the body arrives, a response sent as it is made.

The task is in README.md next to this file. Grade it with:  pytest katas/16_uploads_streaming
"""

import asyncio
from collections.abc import AsyncIterator

from fastapi import FastAPI

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


# TODO 1-5: POST /upload takes one file (multipart field "file") and answers 201 with
#           {"filename", "content_type", "size", "sha256"}; 415 for a type not in SIGNATURES or
#           content that does not start with its type's signature; 413 for a file larger than
#           MAX_UPLOAD_BYTES, decided while the body arrives, never after reading all of it.


# TODO 6-7: GET /readings?count=N (1 to 100, default 5) streams text/csv: the line
#           "id,sensor,celsius", then one line per reading of fetch_readings(count), each sent
#           as soon as it is produced.
