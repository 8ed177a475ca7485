"""Kata 06, written from the README alone: routes on an APIRouter, anyio instead of asyncio
(anyio.sleep, and anyio.to_thread.run_sync for the blocking call from an async route), and a
plain def /ping, which Starlette runs in a worker thread."""

import time

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI

app = FastAPI(title="Kata Async")

IO_SECONDS = 0.2  # how long GET /io waits
BLOCKING_SECONDS = 1.0  # how long blocking_io() blocks


def blocking_io() -> str:
    """A slow call you cannot make async, like a sync database driver or requests.get(). Do not change it.

    It blocks the thread that calls it for BLOCKING_SECONDS.
    """
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


router = APIRouter()


@router.get("/ping")
def ping() -> dict:
    return {"ping": "pong"}


@router.get("/io")
async def io() -> dict:
    await anyio.sleep(IO_SECONDS)
    return {"waited": IO_SECONDS}


@router.get("/report")
async def report() -> dict:
    # Looked up by name at call time, so whatever `blocking_io` the module holds is what runs.
    result = await anyio.to_thread.run_sync(lambda: blocking_io())
    return {"report": result}


app.include_router(router)
