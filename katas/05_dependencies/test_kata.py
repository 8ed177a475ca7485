"""Kata 05 · Dependency injection: shared pieces declared once, built per request, swapped in tests.

The fakes that replace get_db and get_current_user (the README's contract) live in the kata's
probes.py and run beside the app (`learner.override`); the fake connection records its calls,
which the tests read back as plain data (`learner.probe("db_calls")`).
"""

import pytest

# The data the stub gives (README: "Given").
TITLES = {
    1: "Structure and Interpretation of Computer Programs",
    2: "The Pragmatic Programmer",
    3: "Designing Data-Intensive Applications",
    4: "Clean Code",
    5: "Refactoring",
    6: "Code Complete",
    7: "The Mythical Man-Month",
    8: "Fluent Python",
    9: "Introduction to Algorithms",
    10: "Domain-Driven Design",
    11: "Working Effectively with Legacy Code",
    12: "Release It!",
}
ALICE = {"X-Token": "alice-token"}
USERS = {
    "alice-token": {"username": "alice", "role": "librarian"},
    "bob-token": {"username": "bob", "role": "member"},
    "carol-token": {"username": "carol", "role": "member"},
}


def books(*ids: int) -> list[dict]:
    """The given books with these ids, as the API lists them."""
    return [{"id": book_id, "title": TITLES[book_id]} for book_id in ids]


def contract(learner, name: str) -> str:
    """A name the README declares as the kata's contract, or a clear failure."""
    kind = learner.kind(name)
    if kind not in ("function", "class"):
        found = "nothing" if kind == "missing" else f"a {kind}"
        pytest.fail(f"the graded file must define `{name}` (the README's contract), found {found}", pytrace=False)
    return name


def get_json(client, url: str, headers: dict | None = None, status: int = 200):
    """GET url; fail with a readable message unless it answers `status` with JSON."""
    response = client.get(url, headers=headers or {})
    sent = f"GET {url}" + ("" if headers is None else f" with {headers}" if headers else " with no X-Token")
    assert response.status_code == status, f"{sent} → expected {status}, got {response.status_code}: {response.text}"
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"{sent} → expected a JSON answer, got {response.text!r}", pytrace=False)


def connections(client) -> dict:
    """What GET /debug/connections says: {"opened": n, "closed": m}."""
    return get_json(client, "/debug/connections")


def json_or_text(response):
    """The answer's JSON, or its text when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return response.text


def page_ids(body) -> list:
    items = body.get("items") if isinstance(body, dict) else None
    assert isinstance(items, list), f'expected {{"skip": ..., "limit": ..., "items": [...]}}, got {body}'
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def error_locations(response) -> list[list]:
    try:
        detail = response.json().get("detail", [])
    except (ValueError, AttributeError):
        return []
    if not isinstance(detail, list):
        return []
    return [list(error.get("loc", [])) for error in detail if isinstance(error, dict)]


def assert_rejected(client, url: str, where: list, headers: dict | None = None) -> None:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 422, f"GET {url} → expected 422, got {response.status_code}: {response.text}"
    assert where in error_locations(response), f"GET {url} → expected an error at {where}, got {response.text}"


# --- A shared class dependency: pagination ---------------------------------------------


@pytest.mark.rule(2, 3)
def test_books_first_page_by_default(client):
    """GET /books answers the first 10 books with skip 0 and limit 10."""
    body = get_json(client, "/books")
    assert page_ids(body) == list(range(1, 11)), f"GET /books → expected books 1 to 10, got {body}"
    assert (body.get("skip"), body.get("limit")) == (0, 10), f"GET /books → expected skip 0 and limit 10, got {body}"
    assert body["items"] == books(*range(1, 11)), f"GET /books → expected the given books 1 to 10, ids and titles, got {body}"


@pytest.mark.rule(2, 3)
def test_books_pages_with_skip_and_limit(client):
    """GET /books?skip=3&limit=4 answers books 4 to 7."""
    body = get_json(client, "/books?skip=3&limit=4")
    assert page_ids(body) == [4, 5, 6, 7], f"GET /books?skip=3&limit=4 → expected books 4 to 7, got {body}"
    assert (body.get("skip"), body.get("limit")) == (3, 4), (
        f"GET /books?skip=3&limit=4 → expected skip 3 and limit 4 echoed, got {body}"
    )


@pytest.mark.rule(2)
@pytest.mark.points(2)
def test_pagination_bounds_are_enforced(client):
    """limit outside 1..50, a negative skip or a non-integer is rejected with 422; the bounds themselves are accepted."""
    for url in ("/books?limit=0", "/books?limit=51"):
        assert_rejected(client, url, ["query", "limit"])
    for url in ("/books?skip=-1", "/books?skip=abc", "/books?skip=1.5"):
        assert_rejected(client, url, ["query", "skip"])
    assert_rejected(client, "/books?limit=2.5", ["query", "limit"])
    for url, expected in (
        ("/books?limit=1", [1]),
        ("/books?limit=50", list(range(1, 13))),
        ("/books?skip=0&limit=1", [1]),
    ):
        body = get_json(client, url)
        assert page_ids(body) == expected, f"GET {url} → expected books {expected}, got {body}"


@pytest.mark.rule(2, 6)
@pytest.mark.points(2)
def test_members_share_the_same_pagination(client):
    """GET /members/ pages with the same skip and limit rules as /books."""
    body = get_json(client, "/members/", headers=ALICE)
    assert body == {"skip": 0, "limit": 10, "items": ["alice", "bob", "carol"]}, (
        f'GET /members/ with {ALICE} → expected {{"skip": 0, "limit": 10, "items": ["alice", "bob", "carol"]}}, got {body}'
    )
    body = get_json(client, "/members/?skip=1&limit=1", headers=ALICE)
    assert body == {"skip": 1, "limit": 1, "items": ["bob"]}, (
        f'GET /members/?skip=1&limit=1 → expected {{"skip": 1, "limit": 1, "items": ["bob"]}}, got {body}'
    )
    assert_rejected(client, "/members/?limit=51", ["query", "limit"], headers=ALICE)
    assert_rejected(client, "/members/?skip=-1", ["query", "skip"], headers=ALICE)


@pytest.mark.rule(3)
def test_books_lists_every_given_book(client):
    """GET /books?limit=50 lists all 12 given books, each with its id and title."""
    body = get_json(client, "/books?limit=50")
    items = body.get("items") if isinstance(body, dict) else body
    assert items == books(*range(1, 13)), (
        f"GET /books?limit=50 → expected the 12 given books {books(*range(1, 13))}, got {items}"
    )


@pytest.mark.rule(4)
def test_book_by_id_or_404(client):
    """GET /books/2 answers book 2; an unknown id answers 404 "Book not found"."""
    body = get_json(client, "/books/2")
    assert body == {"id": 2, "title": TITLES[2]}, f"GET /books/2 → expected {{'id': 2, 'title': {TITLES[2]!r}}}, got {body}"
    body = get_json(client, "/books/999", status=404)
    assert body == {"detail": "Book not found"}, f'GET /books/999 → expected {{"detail": "Book not found"}}, got {body}'


# --- Auth for a whole router -------------------------------------------------------------


@pytest.mark.rule(5, 6)
def test_me_answers_the_owner_of_the_token(client):
    """GET /members/me answers the owner of each given token: alice the librarian, bob and carol members."""
    for token, user in USERS.items():
        headers = {"X-Token": token}
        body = get_json(client, "/members/me", headers=headers)
        assert body == user, f"GET /members/me with {headers} → expected {user}, got {body}"


@pytest.mark.rule(5, 6)
@pytest.mark.points(2)
def test_every_members_route_needs_a_valid_token(client):
    """Every /members route answers 401 "Invalid or missing token" without a valid X-Token."""
    for url in ("/members/", "/members/me", "/members/?skip=1&limit=1"):
        for headers in ({}, {"X-Token": "nobody-token"}):
            body = get_json(client, url, headers=headers, status=401)
            assert body == {"detail": "Invalid or missing token"}, (
                f'GET {url} with {headers or "no X-Token"} → expected {{"detail": "Invalid or missing token"}}, got {body}'
            )


@pytest.mark.rule(3, 4, 6)
def test_public_routes_need_no_token(client):
    """/books stays public: it answers 200 with no token and ignores a wrong one."""
    for headers in ({}, {"X-Token": "nobody-token"}):
        body = get_json(client, "/books/1", headers=headers)
        assert body.get("id") == 1, f"GET /books/1 with {headers or 'no X-Token'} → expected book 1, got {body}"
        body = get_json(client, "/books?limit=2", headers=headers)
        assert page_ids(body) == [1, 2], f"GET /books?limit=2 with {headers or 'no X-Token'} → expected books 1 and 2, got {body}"


def query_parameters(schema: dict, path: str) -> set:
    """Names of the query parameters documented for GET path (with or without a trailing slash)."""
    paths = schema.get("paths", {})
    operation = (paths.get(path) or paths.get(path.rstrip("/")) or {}).get("get", {})
    return {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict) and p.get("in") == "query"}


@pytest.mark.rule(2)
def test_schema_documents_the_pagination(client):
    """/openapi.json, titled "Kata Library", documents skip and limit on both /books and /members/."""
    schema = get_json(client, "/openapi.json")
    title = schema.get("info", {}).get("title")
    assert title == "Kata Library", f"GET /openapi.json → expected info.title 'Kata Library', got {title!r}"
    for path in ("/books", "/members/"):
        found = query_parameters(schema, path)
        assert {"skip", "limit"} <= found, (
            f"GET /openapi.json → expected GET {path} to document the query parameters skip and limit, got {sorted(found)}"
        )


# --- yield: every connection opened is closed -------------------------------------------


@pytest.mark.rule(1)
def test_a_request_opens_and_closes_its_connection(client):
    """After one GET /books, /debug/connections reports 1 opened and 1 closed."""
    get_json(client, "/books")
    seen = connections(client)
    assert seen == {"opened": 1, "closed": 1}, (
        f'GET /books, then GET /debug/connections → expected {{"opened": 1, "closed": 1}}, got {seen}'
    )


@pytest.mark.rule(1, 4)
@pytest.mark.points(2)
def test_connection_is_closed_when_the_route_raises(client):
    """A 404 raised by the route still closes the connection it used."""
    body = get_json(client, "/books/999", status=404)
    assert body == {"detail": "Book not found"}, (
        f'GET /books/999 → expected the route\'s own 404 {{"detail": "Book not found"}}, got {body}'
    )
    seen = connections(client)
    assert seen == {"opened": 1, "closed": 1}, (
        f'GET /books/999 (404), then GET /debug/connections → expected {{"opened": 1, "closed": 1}}, got {seen}'
    )


@pytest.mark.rule(1, 5)
@pytest.mark.points(2)
def test_connection_is_closed_when_the_token_is_rejected(client):
    """A 401 raised by get_current_user still closes the connection it looked the token up with."""
    get_json(client, "/members/me", headers={"X-Token": "nobody-token"}, status=401)
    seen = connections(client)
    assert seen == {"opened": 1, "closed": 1}, (
        "GET /members/me with a wrong token (401), then GET /debug/connections → "
        f'expected {{"opened": 1, "closed": 1}} (get_current_user uses get_db), got {seen}'
    )


# --- Caching: once per request, fresh for the next ---------------------------------------


# Every route that needs the database, with what it answers: each must open exactly one connection,
# however many of its dependencies ask for get_db (FastAPI's per-request cache), and close it.
ROUTES_WITH_A_CONNECTION = [
    ("/books", {}, 200),
    ("/books/2", {}, 200),
    ("/books/999", {}, 404),
    ("/members/", ALICE, 200),
    ("/members/me", ALICE, 200),
    ("/members/", {"X-Token": "nobody-token"}, 401),
    ("/members/me", {"X-Token": "nobody-token"}, 401),
]  # (a missing token may be refused before any connection is opened: not listed)


@pytest.mark.rule(1)
@pytest.mark.points(2)
def test_one_connection_per_request(client):
    """Every route opens exactly one connection per request, shared by all its dependencies, and closes it."""
    before = connections(client)
    for url, headers, status in ROUTES_WITH_A_CONNECTION:
        get_json(client, url, headers=headers, status=status)
        after = connections(client)
        opened, closed = after.get("opened", 0) - before.get("opened", 0), after.get("closed", 0) - before.get("closed", 0)
        sent = f"GET {url}" + (f" with {headers}" if headers else "")
        assert (opened, closed) == (1, 1), (
            f"{sent} ({status}) → expected 1 connection opened and closed, /debug/connections counted "
            f"{opened} opened and {closed} closed (one per request: get_db cached, never pool.connect() elsewhere)"
        )
        before = after


@pytest.mark.rule(1)
def test_each_request_gets_a_fresh_connection(client):
    """Three requests open three connections, and all three are closed."""
    get_json(client, "/books")
    get_json(client, "/members/me", headers=ALICE)
    get_json(client, "/books/3")
    seen = connections(client)
    assert seen == {"opened": 3, "closed": 3}, (
        f'GET /books, /members/me, /books/3, then GET /debug/connections → expected {{"opened": 3, "closed": 3}}, got {seen}'
    )


# --- Overrides: the tests swap the contract's dependencies --------------------------------


OVERRIDE_BOOK = "Served by the override"
ZED = {"X-Token": "zed-token"}


@pytest.mark.rule(7)
@pytest.mark.points(3)
def test_overriding_get_db_swaps_the_database(learner, client):
    """With get_db overridden, every route answers from the replacement and opens no real connection."""
    learner.override(contract(learner, "get_db"), "fake_db")
    # The fake knows every book but 4, one member (zed) and one token (zed-token): an answer
    # from BOOKS or USERS instead of the injected connection differs from each of these.
    expected = [
        ("/books?skip=2&limit=3", {}, 200, {"skip": 2, "limit": 3, "items": [{"id": 902, "title": OVERRIDE_BOOK}]}),
        ("/books/5", {}, 200, {"id": 5, "title": OVERRIDE_BOOK}),
        ("/books/999", {}, 200, {"id": 999, "title": OVERRIDE_BOOK}),
        ("/books/4", {}, 404, {"detail": "Book not found"}),
        ("/members/?skip=1&limit=2", ZED, 200, {"skip": 1, "limit": 2, "items": ["zed"]}),
        ("/members/me", ZED, 200, {"username": "zed", "role": "tester"}),
        ("/members/", ALICE, 401, {"detail": "Invalid or missing token"}),
        ("/members/me", ALICE, 401, {"detail": "Invalid or missing token"}),
    ]
    for url, headers, status, answer in expected:
        sent = f"GET {url}" + (f" with {headers}" if headers else "")
        response = client.get(url, headers=headers)
        assert (response.status_code, json_or_text(response)) == (status, answer), (
            f"{sent}, get_db overridden → expected {status} {answer} from the fake connection, "
            f"got {response.status_code}: {response.text}"
        )
    calls = learner.probe("db_calls")
    for call in (["list_books", 2, 3], ["get_book", 999], ["get_book", 4], ["list_members", 1, 2], ["user_for_token", "zed-token"]):
        assert call in calls, f"GET /books, /books/{{id}}, /members/ with get_db overridden → expected {call} on the fake, got {calls}"
    seen = connections(client)
    assert seen == {"opened": 0, "closed": 0}, (
        f"every route with get_db overridden → expected the real pool untouched, /debug/connections says {seen}"
    )


@pytest.mark.rule(8)
@pytest.mark.points(2)
def test_overriding_get_current_user_opens_the_router(learner, client):
    """With get_current_user overridden, every /members route answers without any token."""
    tester = {"username": "tester", "role": "auditor"}
    learner.override(contract(learner, "get_current_user"), "fake_user", tester)
    body = get_json(client, "/members/me", headers={})
    assert body == tester, f"GET /members/me, no token, get_current_user overridden → expected {tester}, got {body}"
    body = get_json(client, "/members/?limit=2", headers={})
    assert body == {"skip": 0, "limit": 2, "items": ["alice", "bob"]}, (
        f"GET /members/?limit=2, no token, get_current_user overridden → expected alice and bob, got {body}"
    )


@pytest.mark.rule(5, 7)
def test_get_current_user_looks_tokens_up_through_get_db(learner, client):
    """get_current_user depends on get_db: a replaced database decides who a token belongs to."""
    learner.override(contract(learner, "get_db"), "fake_db")
    zed = {"X-Token": "zed-token"}
    body = get_json(client, "/members/me", headers=zed)
    assert body == {"username": "zed", "role": "tester"}, (
        f"GET /members/me with {zed}, get_db overridden → expected zed from the override, got {body}"
    )
    get_json(client, "/members/me", headers=ALICE, status=401)
