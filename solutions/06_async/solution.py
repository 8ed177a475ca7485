"""Kata 06 reference solution: await what can be awaited, and leave blocking calls to plain `def`."""

import asyncio
import time

from fastapi import FastAPI

app = FastAPI(title="Kata Async")

IO_SECONDS = 0.2
BLOCKING_SECONDS = 1.0


def blocking_io() -> str:
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


@app.get("/io")
async def wait_for_io() -> dict[str, float]:
    await asyncio.sleep(IO_SECONDS)
    return {"waited": IO_SECONDS}


@app.get("/report")
def build_report() -> dict[str, str]:
    # Key idea: a plain `def` route runs in Starlette's thread pool, so blocking_io()
    # blocks one worker thread and never the event loop that serves everyone else.
    return {"report": blocking_io()}
