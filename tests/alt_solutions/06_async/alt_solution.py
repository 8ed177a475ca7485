"""Kata 06, second solution: an APIRouter, a sync /ping, and an async /report that hands
blocking_io() to a worker thread with asyncio.to_thread."""

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

IO_SECONDS = 0.2
BLOCKING_SECONDS = 1.0


def blocking_io() -> str:
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


async def report_text() -> str:
    # The event loop awaits the thread; only the worker thread sleeps.
    return await asyncio.to_thread(blocking_io)


router = APIRouter()


@router.get("/ping")
def ping():
    return {"ping": "pong"}


@router.get("/io")
async def io():
    await asyncio.sleep(IO_SECONDS)
    return {"waited": IO_SECONDS}


@router.get("/report")
async def report(text: Annotated[str, Depends(report_text)]):
    return {"report": text}


app = FastAPI(title="Kata Async")
app.include_router(router)
