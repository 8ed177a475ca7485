"""Kata 06 · async def vs def, and blocking code."""

import asyncio
import time

from fastapi import FastAPI

app = FastAPI(title="Kata Async")

IO_SECONDS = 0.2  # how long GET /io waits
BLOCKING_SECONDS = 1.0  # how long blocking_io() blocks


def blocking_io() -> str:
    """A slow call you cannot make async. Do not change it."""
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


@app.get("/io")
async def io() -> dict[str, float]:
    await asyncio.sleep(IO_SECONDS)
    return {"waited": IO_SECONDS}


from starlette.concurrency import run_in_threadpool


@app.get("/report")
async def report() -> dict[str, str]:
    return {"report": await run_in_threadpool(blocking_io)}
