"""Breaks rule 5: a report exists only once it is done; while it runs, GET /reports/{id} is a 404.

The reference solution with one mistake; the kata's tests must catch it (tests/test_wrong_apps.py).
"""

import itertools
import logging
import os
import time

from fastapi import BackgroundTasks, FastAPI, HTTPException, Response
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
# The background work.
# ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)


def deliver_welcome(email: str) -> None:
    # Key idea: a plain `def` task runs in the thread pool after the response has gone out;
    # its failure is its own to record, since the client has already been answered.
    try:
        send_welcome_email(email)
    except MailServerError as exc:
        logger.warning("welcome email to %s failed: %s", email, exc)
        OUTBOX["failed"].append({"email": email, "error": str(exc)})


@app.post("/signup", status_code=202)
def signup(body: SignupIn, tasks: BackgroundTasks) -> dict[str, str]:
    tasks.add_task(deliver_welcome, body.email)
    return {"email": body.email, "status": "queued"}


REPORTS: dict[int, dict] = {}
report_ids = itertools.count(1)


def run_report(report_id: int) -> None:
    REPORTS[report_id] = {"id": report_id, "status": "done", "result": build_report(report_id)}


@app.post("/reports", status_code=202)
def create_report(response: Response, tasks: BackgroundTasks) -> dict:
    report_id = next(report_ids)
    tasks.add_task(run_report, report_id)
    response.headers["Location"] = f"/reports/{report_id}"
    return {"id": report_id, "status": "pending"}


@app.get("/reports/{report_id}")
def read_report(report_id: int) -> dict:
    if report_id not in REPORTS:
        raise HTTPException(status_code=404, detail="report not found")
    return REPORTS[report_id]
