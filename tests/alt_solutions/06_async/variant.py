"""Kata 06 variant: APIRouter, async /report offloading via asyncio.to_thread, dependency."""

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

app = FastAPI(title="Kata Async")

IO_SECONDS = 0.2  # how long GET /io waits
BLOCKING_SECONDS = 1.0  # how long blocking_io() blocks


def blocking_io() -> str:
    """A slow call you cannot make async. Do not change it."""
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


class Ping(BaseModel):
    ping: str


class Waited(BaseModel):
    waited: float


class Report(BaseModel):
    report: str


async def io_delay() -> float:
    return IO_SECONDS


router = APIRouter()


@router.get("/ping", response_model=Ping)
def ping():
    return Ping(ping="pong")


@router.get("/io", response_model=Waited)
async def io(delay: Annotated[float, Depends(io_delay)]):
    await asyncio.sleep(delay)
    return Waited(waited=delay)


@router.get("/report", response_model=Report)
async def report():
    text = await asyncio.to_thread(blocking_io)
    return Report(report=text)


app.include_router(router)
