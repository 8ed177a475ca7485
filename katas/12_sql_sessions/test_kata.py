"""Kata 12 · A real database session per request: SQLAlchemy on a SQLite file, commit or roll back.

Every test points the app at a fresh SQLite file through KATA_DATABASE_URL (set before the
graded file is imported) and reads that file afterwards with Python's own sqlite3, from a
copy, so what counts is what was committed. What SQLAlchemy did during a request (sessions,
commits, pooled connections, when the response started) is recorded beside the app by the
kata's probes.py; the database that refuses a write halfway is made with triggers in the file.
"""

import shutil
import sqlite3
from pathlib import Path

import pytest

URL_ENV = "KATA_DATABASE_URL"
ADA = {"owner": "ada", "balance": 100}
BOB = {"owner": "bob"}  # balance: the default, 0


@pytest.fixture(autouse=True)
def database(shared_tmp_path, monkeypatch) -> Path:
    """A fresh database file in KATA_DATABASE_URL, set before the graded file is imported."""
    path = shared_tmp_path / "bank.db"
    monkeypatch.setenv(URL_ENV, f"sqlite:///{path}")
    return path


def read(database: Path, tmp_path: Path, sql: str) -> list[tuple]:
    """Rows from what is committed in the file: a copy is read, so nothing here locks or changes it."""
    assert database.is_file(), f"expected the app to have created its database file {database.name}, found none"
    copy = tmp_path / f"read-{len(list(tmp_path.glob('read-*')))}"
    copy.mkdir()
    for suffix in ("", "-wal", "-journal"):
        source = database.with_name(database.name + suffix)
        if source.is_file():
            shutil.copyfile(source, copy / (database.name + suffix))
    with sqlite3.connect(copy / database.name) as db:
        return db.execute(sql).fetchall()


def balances(database: Path, tmp_path: Path) -> dict[str, int]:
    return dict(read(database, tmp_path, "SELECT owner, balance FROM accounts"))


def post(client, url: str, body: dict, status: int) -> dict:
    response = client.post(url, json=body)
    assert response.status_code == status, f"POST {url} {body} → expected {status}, got {response.status_code}: {response.text}"
    return response.json()


def open_accounts(client) -> tuple[int, int]:
    """ada (100) and bob (0, by default), through the API; their ids."""
    return post(client, "/accounts", ADA, 201)["id"], post(client, "/accounts", BOB, 201)["id"]


def attempt(client, url: str, body: dict) -> str:
    """What a request answered: "<status>: <body>", or the error the app raised (a test client re-raises it)."""
    try:
        response = client.post(url, json=body)
    except Exception as exc:  # noqa: BLE001 - an unhandled error in the app is an answer too (a 500)
        return f"an unhandled {type(exc).__name__} (a 500)"
    return f"{response.status_code}: {response.text}"


def traced(learner, *requests: tuple) -> list[dict]:
    """The probe's record of each request: status, body, and what SQLAlchemy did meanwhile."""
    return learner.probe("traced_requests", [list(r) for r in requests])


def shown(request: tuple) -> str:
    method, path, body = request
    return f"{method} {path}" + (f" {body}" if body is not None else "")


# -- 1. the database file ----------------------------------------------------------------------


@pytest.mark.rule(1)
@pytest.mark.points(2)
def test_startup_creates_the_database_not_the_import(request, learner, database, tmp_path):
    """Importing the app creates no file; starting it creates KATA_DATABASE_URL's file with both tables."""
    assert learner.kind("app") != "missing", "the graded file must define `app`"
    assert not database.exists(), (
        f"importing the app → expected no database file yet, found {database.name} (create the tables at startup,"
        " in the lifespan, not when the module is imported)"
    )
    request.getfixturevalue("client")  # the lifespan's startup runs
    assert database.is_file(), (
        f"app started → expected the database file {database.name} from {URL_ENV}, found none"
        " (create_engine(settings.database_url) and Base.metadata.create_all at startup)"
    )
    tables = {name for (name,) in read(database, tmp_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"accounts", "transfers"} <= tables, f"app started → expected the tables accounts and transfers, found {sorted(tables)}"


@pytest.mark.rule(1, 4)
@pytest.mark.kata_timeout(30)
def test_uvicorn_serves_from_the_configured_file(serve, database, tmp_path):
    """Under Uvicorn, the app creates its file at startup and stores an account in it."""
    server = serve()
    assert database.is_file(), f"Uvicorn started → expected the database file {database.name} from {URL_ENV}, found none"
    with server.client(timeout=10) as http:
        created = post(http, "/accounts", ADA, 201)
        response = http.get(f"/accounts/{created['id']}")
    assert response.status_code == 200, f"Uvicorn: GET /accounts/{created['id']} → expected 200, got {response.status_code}: {response.text}"
    assert balances(database, tmp_path) == {"ada": 100}, (
        f"Uvicorn: POST /accounts {ADA}, then the file → expected ada with 100, found {balances(database, tmp_path)}"
    )


# -- 2. one session per request ----------------------------------------------------------------------


REQUESTS = (
    ("POST", "/accounts", ADA),
    ("GET", "/accounts/1", None),
    ("POST", "/accounts", ADA),
    ("GET", "/accounts/99", None),
)


@pytest.mark.rule(2)
@pytest.mark.points(2)
def test_each_request_gets_a_session_of_its_own(client, learner):
    """A 201, a 200, a 409 and a 404 in a row: each request begins its own session, none is reused."""
    seen: dict[int, str] = {}
    for sent, result in zip(REQUESTS, traced(learner, *REQUESTS), strict=True):
        sessions = {int(e.split(":")[1]) for e in result["events"] if e.startswith("begin:")}
        assert sessions, (
            f"{shown(sent)} → expected the request to begin a session of its own, saw none begin"
            f" (a session shared between requests?); SQLAlchemy did: {result['events']}"
        )
        reused = sessions & set(seen)
        assert not reused, (
            f"{shown(sent)} → expected a new session, got the one of {seen[min(reused)]} (never share a session between requests)"
        )
        seen.update(dict.fromkeys(sessions, shown(sent)))


@pytest.mark.rule(2)
def test_every_request_gives_its_connection_back(client, learner):
    """After each request (success or failure), every pooled connection it took is back in the pool."""
    for sent, result in zip(REQUESTS, traced(learner, *REQUESTS), strict=True):
        taken, returned = result["events"].count("checkout"), result["events"].count("checkin")
        assert taken, f"{shown(sent)} → answered {result['status']} without taking a connection from the pool (no database?)"
        assert taken == returned, (
            f"{shown(sent)} → answered {result['status']} with {taken - returned} connection(s) still checked out"
            " (close the session when the request ends, also when it failed)"
        )


# -- 3. commit before the response ---------------------------------------------------------------------


@pytest.mark.rule(3)
@pytest.mark.points(2)
def test_the_commit_happens_before_the_response_starts(client, learner):
    """POST /accounts commits before its 201 response starts, not after the client has it."""
    (result,) = traced(learner, ("POST", "/accounts", ADA))
    events = result["events"]
    assert result["status"] == 201, f"POST /accounts {ADA} → expected 201, got {result['status']}: {result['body']}"
    assert "commit" in events, f"POST /accounts {ADA} → expected a commit, SQLAlchemy did: {events}"
    assert events.index("commit") < events.index("response:201"), (
        f"POST /accounts {ADA} → expected the commit before the response, got {events}"
        ' (code after yield runs after the response is sent unless the dependency has scope="function")'
    )


@pytest.mark.rule(3, 4)
def test_a_created_account_is_committed(client, database, tmp_path):
    """POST /accounts {"owner": "ada", "balance": 100} answers 201 and the row is in the file."""
    body = post(client, "/accounts", ADA, 201)
    assert isinstance(body.get("id"), int) and {k: body.get(k) for k in ADA} == ADA, (
        f'POST /accounts {ADA} → expected {{"id": <int>, "owner": "ada", "balance": 100}}, got {body}'
    )
    rows = read(database, tmp_path, "SELECT id, owner, balance FROM accounts")
    assert rows == [(body["id"], "ada", 100)], f"POST /accounts {ADA} answered 201 → expected that row in the file, found {rows}"


# -- 4. accounts -------------------------------------------------------------------------------------


@pytest.mark.rule(4)
@pytest.mark.points(2)
def test_a_taken_owner_answers_409_and_the_app_goes_on(client, database, tmp_path):
    """A second account for ada answers 409 {"detail": "owner already has an account"}; the next POST works."""
    post(client, "/accounts", ADA, 201)
    body = post(client, "/accounts", {"owner": "ada", "balance": 5}, 409)
    assert body == {"detail": "owner already has an account"}, (
        f'POST /accounts for ada again → expected {{"detail": "owner already has an account"}}, got {body}'
    )
    post(client, "/accounts", BOB, 201)
    assert balances(database, tmp_path) == {"ada": 100, "bob": 0}, (
        f"ada, ada again (409), bob → expected ada 100 and bob 0 in the file, found {balances(database, tmp_path)}"
    )


@pytest.mark.rule(4)
def test_get_an_account_or_404(client):
    """GET /accounts/{id} answers the account, or 404 {"detail": "account not found"}."""
    created = post(client, "/accounts", ADA, 201)
    response = client.get(f"/accounts/{created['id']}")
    assert response.status_code == 200 and response.json() == created, (
        f"GET /accounts/{created['id']} → expected 200 {created}, got {response.status_code}: {response.text}"
    )
    response = client.get("/accounts/999")
    assert response.status_code == 404 and response.json() == {"detail": "account not found"}, (
        f'GET /accounts/999 → expected 404 {{"detail": "account not found"}}, got {response.status_code}: {response.text}'
    )


@pytest.mark.rule(4, 5)
def test_the_given_models_draw_the_line_at_zero(client, database, tmp_path):
    """A balance of 0 and a transfer of 1 are fine; a balance of -5 and a transfer of 0 answer 422."""
    ada = post(client, "/accounts", {"owner": "ada", "balance": 1}, 201)["id"]
    bob = post(client, "/accounts", {"owner": "bob", "balance": 0}, 201)["id"]
    post(client, "/accounts", {"owner": "eve", "balance": -5}, 422)
    post(client, "/transfers", {"from_id": ada, "to_id": bob, "amount": 0}, 422)
    post(client, "/transfers", {"from_id": ada, "to_id": bob, "amount": 1}, 201)
    assert balances(database, tmp_path) == {"ada": 0, "bob": 1}, (
        f"ada (1) and bob (0), two bodies refused with 422, then 1 from ada to bob → expected ada 0 and bob 1 in the"
        f" file, found {balances(database, tmp_path)}"
    )


# -- 5. transfers ------------------------------------------------------------------------------------


@pytest.mark.rule(5)
@pytest.mark.points(2)
def test_a_transfer_moves_the_money_and_is_recorded(client, learner, database, tmp_path):
    """POST /transfers 30 from ada to bob answers 201; the file shows 70, 30 and the transfer, reported to audit."""
    ada, bob = open_accounts(client)
    sent = {"from_id": ada, "to_id": bob, "amount": 30}
    body = post(client, "/transfers", sent, 201)
    assert isinstance(body.get("id"), int) and {k: body.get(k) for k in sent} == sent, (
        f'POST /transfers {sent} → expected {{"id": <int>, "from_id": {ada}, "to_id": {bob}, "amount": 30}}, got {body}'
    )
    assert balances(database, tmp_path) == {"ada": 70, "bob": 30}, (
        f"POST /transfers {sent} answered 201 → expected ada 70 and bob 30 in the file, found {balances(database, tmp_path)}"
    )
    rows = read(database, tmp_path, "SELECT id, from_id, to_id, amount FROM transfers")
    assert rows == [(body["id"], ada, bob, 30)], f"POST /transfers {sent} answered 201 → expected that transfer in the file, found {rows}"
    seen = learner.value("AUDIT").get("seen")
    assert seen == [body["id"]], f"POST /transfers {sent} answered 201 → expected audit({body['id']}) to have been called, the audit saw {seen}"


@pytest.mark.rule(5, 6)
@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [({"amount": 500}, 409, "insufficient funds"), ({"to_id": 999}, 404, "account not found")],
    ids=["insufficient funds", "unknown account"],
)
def test_a_refused_transfer_changes_nothing(client, database, tmp_path, change, status, detail):
    """A transfer over the balance answers 409, to an unknown account 404; the file is unchanged."""
    ada, bob = open_accounts(client)
    sent = {"from_id": ada, "to_id": bob, "amount": 30, **change}
    body = post(client, "/transfers", sent, status)
    assert body == {"detail": detail}, f'POST /transfers {sent} → expected {{"detail": "{detail}"}}, got {body}'
    assert balances(database, tmp_path) == {"ada": 100, "bob": 0}, (
        f"POST /transfers {sent} answered {status} → expected ada 100 and bob 0 still, found {balances(database, tmp_path)}"
    )
    rows = read(database, tmp_path, "SELECT * FROM transfers")
    assert rows == [], f"POST /transfers {sent} answered {status} → expected no transfer in the file, found {rows}"


# -- 6. all or nothing -------------------------------------------------------------------------------


@pytest.mark.rule(6)
@pytest.mark.points(3)
def test_a_failure_after_the_writes_rolls_them_all_back(client, learner, database, tmp_path):
    """With the audit service down, POST /transfers answers 503 {"detail": "audit unavailable"} and nothing stays."""
    ada, bob = open_accounts(client)
    sent = {"from_id": ada, "to_id": bob, "amount": 30}
    learner.set_item("AUDIT", "down", value=True)
    answer = attempt(client, "/transfers", sent)
    how = f"POST /transfers {sent}, the audit service down"
    assert answer == '503: {"detail":"audit unavailable"}', f'{how} → expected 503 {{"detail": "audit unavailable"}}, got {answer}'
    found = balances(database, tmp_path), read(database, tmp_path, "SELECT * FROM transfers")
    assert found == ({"ada": 100, "bob": 0}, []), (
        f"{how} → answered 503; expected ada 100, bob 0 and no transfer in the file, found {found[0]} and"
        f" {len(found[1])} transfer(s): the writes before the failure were committed (roll back when the route raises)"
    )
    learner.set_item("AUDIT", "down", value=False)
    post(client, "/transfers", sent, 201)
    assert balances(database, tmp_path) == {"ada": 70, "bob": 30}, (
        f"the same transfer with the audit service back → expected ada 70 and bob 30, found {balances(database, tmp_path)}"
    )


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_a_database_failure_halfway_leaves_nothing_behind(client, learner, database, tmp_path):
    """The database refuses a transfer's second table: the request fails and none of its writes stay."""
    ada, bob = open_accounts(client)
    sent = {"from_id": ada, "to_id": bob, "amount": 30}
    learner.probe("fail_second_table", str(database))
    try:
        answer = attempt(client, "/transfers", sent)
        found = balances(database, tmp_path), read(database, tmp_path, "SELECT * FROM transfers")
    finally:
        learner.probe("allow_writes", str(database))
    how = f"POST /transfers {sent}, the database refusing its write to the second table"
    assert not answer.startswith("2"), f"{how} → expected an error, got {answer} (it cannot have been saved)"
    assert found == ({"ada": 100, "bob": 0}, []), (
        f"{how} → answered {answer[:60]}; expected ada 100, bob 0 and no transfer in the file, found {found[0]}"
        f" and {len(found[1])} transfer(s): the writes before the failure were committed (roll back when the request fails)"
    )
    body = post(client, "/transfers", sent, 201)
    assert balances(database, tmp_path) == {"ada": 70, "bob": 30}, (
        f"the same transfer once the database accepts it again → expected ada 70 and bob 30, found {balances(database, tmp_path)}"
        f" (answered {body})"
    )

