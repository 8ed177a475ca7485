"""Kata 14 · Background work: answer first, do the slow part after, and let it fail on its own.

In-process, a TestClient only hands back a response once the background tasks have run, so
the kata's probes.py sends the request itself and copies the given OUTBOX at the moment the
response starts. What "the response does not wait" means is timed under a real Uvicorn, with
an email that takes 3 seconds (KATA_EMAIL_SECONDS) and a report that takes 3 (KATA_REPORT_SECONDS).
"""

import json
import time

import pytest

EMAIL = "ada@example.com"
DOWN = "bob@down.example"
REFUSED = f"{DOWN}: 421 service not available"
SLOW = 3.0  # seconds an email or a report takes in the timed tests
QUICK = 1.5  # what a response may take meanwhile (it takes a few milliseconds when nothing blocks)
SETTLE = 20.0  # how long the slow work gets to show its effect


@pytest.fixture(autouse=True)
def quick_mail(monkeypatch):
    """In-process, the mail server answers in 0.05 s (a report takes the given 1 s)."""
    monkeypatch.setenv("KATA_EMAIL_SECONDS", "0.05")


def outbox(http) -> dict:
    response = http.get("/outbox")
    assert response.status_code == 200, f"GET /outbox → expected 200, got {response.status_code}: {response.text}"
    return response.json()


def signup(http, email: str) -> dict:
    sent = f'POST /signup {{"email": "{email}"}}'
    try:
        response = http.post("/signup", json={"email": email})
    except Exception as exc:  # noqa: BLE001 - the test client re-raises what the app (or its task) raised
        pytest.fail(f"{sent} → the app raised {type(exc).__name__}: {exc}", pytrace=False)
    assert response.status_code == 202, f"{sent} → expected 202, got {response.status_code}: {response.text}"
    assert response.json() == {"email": email, "status": "queued"}, (
        f'{sent} → expected {{"email": "{email}", "status": "queued"}}, got {response.text}'
    )
    return response.json()


def wait_for(check, seconds: float = SETTLE, pause: float = 0.1):
    """Poll ``check()`` until it returns something true, or give up after ``seconds``; its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(pause)


def slow(**names: float) -> dict[str, str]:
    return {f"KATA_{name.upper()}_SECONDS": str(seconds) for name, seconds in names.items()}


def outbox_of(server) -> dict:
    with server.client(timeout=5) as http:
        return outbox(http)


# -- 1. answer first ----------------------------------------------------------------------------


@pytest.mark.rule(1)
def test_signup_answers_202_queued(client):
    """POST /signup {"email": "ada@example.com"} answers 202 {"email": ..., "status": "queued"}."""
    signup(client, EMAIL)


@pytest.mark.rule(1, 2)
@pytest.mark.points(2)
def test_the_email_goes_out_after_the_response_starts(client, learner):
    """When the 202 starts, the email is not sent yet; once the app is done, it is."""
    answer = learner.probe("traced_request", "POST", "/signup", {"email": EMAIL})
    sent = f'POST /signup {{"email": "{EMAIL}"}}'
    assert "error" not in answer, f"{sent} → the app raised {answer.get('error')}"
    assert answer["status"] == 202, f"{sent} → expected 202, got {answer['status']}: {answer['body']}"
    assert EMAIL not in answer["outbox_at_start"]["sent"], (
        f"{sent} → expected the response to start before the email is sent, but the email was already in the"
        " outbox (send it in a background task, not in the route)"
    )
    assert EMAIL in answer["outbox_after"]["sent"], (
        f"{sent} → expected the email sent once the request was done, the outbox says {answer['outbox_after']}"
    )


@pytest.mark.rule(1, 2)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(45)
def test_uvicorn_the_response_does_not_wait_for_the_email(serve):
    """Under Uvicorn, with a 3-second email, the 202 comes back at once and the email follows."""
    server = serve(env=slow(email=SLOW))
    with server.client(timeout=SETTLE) as http:
        started = time.monotonic()
        signup(http, EMAIL)
        took = time.monotonic() - started
        assert took < QUICK, (
            f"Uvicorn: POST /signup with a {SLOW:g}-s email → expected the 202 within {QUICK:g} s, it took {took:.1f} s"
            " (the response waited for the email)"
        )
        early = outbox(http)
        assert EMAIL not in early["sent"], f"Uvicorn: GET /outbox right after the 202 → expected the email still on its way, got {early}"
        found = wait_for(lambda: EMAIL in outbox(http)["sent"])
        arrived = time.monotonic() - started
    assert found, f"Uvicorn: POST /signup, then {SETTLE:g} s → expected {EMAIL} in the outbox's sent list, got {outbox_of(server)}"
    assert arrived > SLOW - 0.5, (
        f"Uvicorn: POST /signup with a {SLOW:g}-s email → the email was in the outbox after {arrived:.1f} s:"
        " expected it sent by send_welcome_email, which takes KATA_EMAIL_SECONDS"
    )


# -- 2. the effect ------------------------------------------------------------------------------------


@pytest.mark.rule(2)
def test_the_outbox_lists_the_sent_email(client):
    """After POST /signup, GET /outbox lists the address under "sent", and nothing under "failed"."""
    signup(client, EMAIL)
    found = outbox(client)
    assert found == {"sent": [EMAIL], "failed": []}, (
        f'POST /signup {EMAIL}, then GET /outbox → expected {{"sent": ["{EMAIL}"], "failed": []}}, got {found}'
    )


# -- 3. a task that fails -----------------------------------------------------------------------------


@pytest.mark.rule(3)
@pytest.mark.points(2)
def test_a_failing_email_keeps_its_202_and_is_recorded(client):
    """An email the mail server refuses still answers 202, and lands in "failed" with its error."""
    signup(client, DOWN)
    found = outbox(client)
    expected = {"sent": [], "failed": [{"email": DOWN, "error": REFUSED}]}
    assert found == expected, f"POST /signup {DOWN} (refused by the mail server), then GET /outbox → expected {expected}, got {found}"


@pytest.mark.rule(3)
def test_the_next_email_goes_out_after_a_failure(client):
    """After a refused email, the next signup's email is still sent."""
    try:
        client.post("/signup", json={"email": DOWN})
    except Exception:  # noqa: BLE001 - graded by the test above; here only what follows matters
        pass
    signup(client, EMAIL)
    found = outbox(client)
    assert found.get("sent") == [EMAIL], f"POST /signup {DOWN} (refused), then {EMAIL} → expected {EMAIL} sent, got {found}"


@pytest.mark.rule(3)
@pytest.mark.kata_timeout(45)
def test_uvicorn_a_failing_email_does_not_change_the_response(serve):
    """Under Uvicorn, a refused email still answers 202 and the server goes on sending."""
    server = serve(env=slow(email=0.2))
    with server.client(timeout=10) as http:
        signup(http, DOWN)
        signup(http, EMAIL)
        done = wait_for(lambda: (lambda box: EMAIL in box["sent"] and box["failed"])(outbox(http)))
        found = outbox(http)
    assert done and found == {"sent": [EMAIL], "failed": [{"email": DOWN, "error": REFUSED}]}, (
        f"Uvicorn: POST /signup {DOWN} (refused), then {EMAIL} → expected the outbox"
        f" {{'sent': ['{EMAIL}'], 'failed': [{{'email': '{DOWN}', 'error': '{REFUSED}'}}]}}, got {found}"
    )


# -- 4. off the event loop ----------------------------------------------------------------------------


@pytest.mark.rule(4)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(45)
def test_uvicorn_the_server_answers_while_an_email_is_sent(serve):
    """Under Uvicorn, while a 3-second email is being sent, GET /outbox answers at once."""
    server = serve(env=slow(email=SLOW))
    with server.client(timeout=SETTLE) as http:
        signup(http, EMAIL)
        started = time.monotonic()
        during = outbox(http)
        took = time.monotonic() - started
        wait_for(lambda: EMAIL in outbox(http)["sent"])
    assert took < QUICK and EMAIL not in during["sent"], (
        f"Uvicorn: GET /outbox while a {SLOW:g}-s email is being sent → expected an answer within {QUICK:g} s,"
        f" it took {took:.1f} s (a blocking call inside `async def` stops the whole server: make the task a plain def)"
    )


# -- 5. reports ---------------------------------------------------------------------------------------


@pytest.mark.rule(5)
@pytest.mark.points(2)
def test_a_report_is_accepted_pending_then_done(client, learner):
    """The first POST /reports answers 202 {"id": 1, "status": "pending"} with Location /reports/1; later it is done."""
    answer = learner.probe("traced_request", "POST", "/reports")
    assert "error" not in answer, f"POST /reports → the app raised {answer.get('error')}"
    assert answer["status"] == 202, f"POST /reports → expected 202, got {answer['status']}: {answer['body']}"
    try:
        body = json.loads(answer["body"])
    except ValueError:
        body = None
    assert body == {"id": 1, "status": "pending"}, f'POST /reports → expected {{"id": 1, "status": "pending"}}, got {answer["body"]}'
    report_id = body["id"]
    location = next((v for k, v in answer["headers"] if k.lower() == "location"), "")
    assert location.endswith(f"/reports/{report_id}"), (
        f"POST /reports → expected a Location header /reports/{report_id}, got {location!r}"
    )
    response = client.get(f"/reports/{report_id}")
    expected = {"id": report_id, "status": "done", "result": {"report": report_id, "rows": 42}}
    assert response.status_code == 200 and response.json() == expected, (
        f"POST /reports, its task done, GET /reports/{report_id} → expected 200 {expected}, got {response.status_code}: {response.text}"
    )


@pytest.mark.rule(5)
def test_an_unknown_report_is_404(client):
    """GET /reports/999 answers 404 {"detail": "report not found"}."""
    response = client.get("/reports/999")
    assert response.status_code == 404 and response.json() == {"detail": "report not found"}, (
        f'GET /reports/999 → expected 404 {{"detail": "report not found"}}, got {response.status_code}: {response.text}'
    )


@pytest.mark.rule(1, 5)
@pytest.mark.kata_timeout(45)
def test_uvicorn_a_report_is_pending_while_it_runs(serve):
    """Under Uvicorn, with a 3-second report, GET /reports/n says pending at first and done later."""
    server = serve(env=slow(report=SLOW))
    with server.client(timeout=SETTLE) as http:
        started = time.monotonic()
        response = http.post("/reports")
        took = time.monotonic() - started
        assert response.status_code == 202, f"Uvicorn: POST /reports → expected 202, got {response.status_code}: {response.text}"
        assert took < QUICK, f"Uvicorn: POST /reports with a {SLOW:g}-s report → expected the 202 within {QUICK:g} s, it took {took:.1f} s"
        report_id = response.json().get("id")
        early = http.get(f"/reports/{report_id}")
        assert early.status_code == 200 and early.json() == {"id": report_id, "status": "pending"}, (
            f'Uvicorn: GET /reports/{report_id} right after the 202 → expected {{"id": {report_id}, "status": "pending"}},'
            f" got {early.status_code}: {early.text}"
        )
        done = wait_for(lambda: http.get(f"/reports/{report_id}").json().get("status") == "done")
        finished = time.monotonic() - started
        final = http.get(f"/reports/{report_id}").json()
    assert done and final.get("result") == {"report": report_id, "rows": 42}, (
        f"Uvicorn: GET /reports/{report_id} after {SETTLE:g} s → expected status done with its result, got {final}"
    )
    assert finished > SLOW - 0.5, (
        f"Uvicorn: POST /reports with a {SLOW:g}-s report → it was done after {finished:.1f} s: expected it built by"
        " build_report, which takes KATA_REPORT_SECONDS"
    )
