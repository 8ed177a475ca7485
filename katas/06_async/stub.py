"""Kata 06 · async def vs def, and blocking code.

The task is in README.md next to this file. Grade it with:  pytest katas/06_async
"""

import time

from fastapi import FastAPI

app = FastAPI(title="Kata Async")

IO_SECONDS = 0.2  # how long GET /io waits
BLOCKING_SECONDS = 1.0  # how long blocking_io() blocks


def blocking_io() -> str:
    """A slow call you cannot make async, like a sync database driver or requests.get(). Do not change it.

    It blocks the thread that calls it for BLOCKING_SECONDS.
    """
    time.sleep(BLOCKING_SECONDS)
    return "report ready"


# TODO: GET /ping answers {"ping": "pong"} straight away.


# TODO: GET /io is an `async def` route that waits IO_SECONDS without blocking anyone
#       (await something; never time.sleep here) and answers {"waited": IO_SECONDS}.


# TODO: GET /report calls blocking_io() and answers {"report": <what it returned>},
#       without freezing the other requests while blocking_io() runs.
