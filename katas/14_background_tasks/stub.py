"""Kata 14 · Background work: answer first, do the slow part after, and let it fail on its own.

The task is in README.md next to this file. Grade it with:  pytest katas/14_background_tasks
"""

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
# Your part.
# ---------------------------------------------------------------------------

# TODO: POST /signup {"email": ...} → 202 {"email": ..., "status": "queued"}, and the welcome email
#       (send_welcome_email) sent by a background task after the response. A MailServerError must not
#       escape the task: record {"email": ..., "error": str(exc)} in OUTBOX["failed"] instead.

# TODO: POST /reports → 202 {"id": n, "status": "pending"} with the header Location: /reports/n, and
#       build_report(n) run by a background task; GET /reports/{n} → {"id": n, "status": "pending"}
#       until it is done, then {"id": n, "status": "done", "result": <what build_report returned>};
#       an unknown id → 404 {"detail": "report not found"}.
