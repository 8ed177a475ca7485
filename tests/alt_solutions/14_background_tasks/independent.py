"""Kata 14, solved independently from the README: async tasks that push the blocking calls to a
thread with asyncio.to_thread, a job store class, and a JSONResponse that carries the tasks.
"""

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field

from fastapi import BackgroundTasks, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

# ---------------------------------------------------------------------------
# Given: a slow mail server and a slow report. Leave this part as it is.
# ---------------------------------------------------------------------------

EMAIL_SECONDS = float(os.environ.get("KATA_EMAIL_SECONDS", "1.0"))
REPORT_SECONDS = float(os.environ.get("KATA_REPORT_SECONDS", "1.0"))

OUTBOX: dict[str, list] = {"sent": [], "failed": []}


class MailServerError(Exception):
    """The mail server refused the message."""


def send_welcome_email(email: str) -> None:
    """Blocking and slow, as an SMTP conversation is. The server of down.example refuses everything."""
    time.sleep(EMAIL_SECONDS)
    if email.endswith("@down.example"):
        raise MailServerError(f"{email}: 421 service not available")
    OUTBOX["sent"].append(email)


def build_report(report_id: int) -> dict:
    """Blocking and slow, as a big query is."""
    time.sleep(REPORT_SECONDS)
    return {"report": report_id, "rows": 42}


class SignupIn(BaseModel):
    email: str


app = FastAPI()


@app.get("/outbox")
def read_outbox() -> dict[str, list]:
    """What the mail server has sent, and the failures the app recorded."""
    return OUTBOX


# ---------------------------------------------------------------------------
# Written from the README.
# ---------------------------------------------------------------------------

log = logging.getLogger(__name__)


async def welcome(email: str) -> None:
    try:
        await asyncio.to_thread(send_welcome_email, email)  # blocking: off the event loop
    except MailServerError as error:
        OUTBOX["failed"].append({"email": email, "error": str(error)})
        log.error("could not welcome %s: %s", email, error)


@app.post("/signup")
async def sign_up(body: SignupIn, background: BackgroundTasks) -> JSONResponse:
    background.add_task(welcome, body.email)
    return JSONResponse({"email": body.email, "status": "queued"}, status_code=202)


@dataclass
class Jobs:
    reports: dict[int, dict] = field(default_factory=dict)
    last: int = 0

    def new(self) -> int:
        self.last += 1
        self.reports[self.last] = {"id": self.last, "status": "pending"}
        return self.last

    async def run(self, report_id: int) -> None:
        result = await asyncio.to_thread(build_report, report_id)
        self.reports[report_id] = {"id": report_id, "status": "done", "result": result}


jobs = Jobs()


@app.post("/reports")
async def start_report(background: BackgroundTasks) -> JSONResponse:
    report_id = jobs.new()
    background.add_task(jobs.run, report_id)
    return JSONResponse(jobs.reports[report_id], status_code=202, headers={"Location": f"/reports/{report_id}"})


@app.get("/reports/{report_id}")
async def report_status(report_id: int) -> dict:
    try:
        return jobs.reports[report_id]
    except KeyError:
        raise HTTPException(404, "report not found") from None
