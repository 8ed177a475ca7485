"""Kata 04 · Validation errors: FastAPI's default 422 body, custom messages and replaced handlers.

/v1 keeps FastAPI's default error body; the main app answers with {"errors": [...]}.
Routes the tests add to the learner's `app` are added by the kata's probes.py, beside the app
(`learner.probe`); the tests read what they report.
"""

import json
import re
from functools import cache
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator

SKU_MESSAGE = "sku must look like ABC-123"
GOOD_ITEM = {"name": "Keyboard", "price": 49.5, "sku": "KEY-001"}
BAD_ITEM = {"price": -5, "sku": "nope"}  # name missing, price not > 0, sku in the wrong shape
CUSTOM_ERROR_KEYS = {"location", "field", "message", "type"}


def json_of(sent: str, response):
    """The response's JSON, or a clear failure when the answer is not JSON."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"{sent} → expected a JSON answer, got {response.status_code}: {response.text[:200]!r}", pytrace=False)


def default_errors(sent: str, response) -> list[dict]:
    """The `detail` list of FastAPI's default 422 body, after checking the body has that shape."""
    body = json_of(sent, response)
    assert isinstance(body, dict) and set(body) == {"detail"} and isinstance(body["detail"], list), (
        f"{sent} → expected FastAPI's default body {{\"detail\": [...]}}, got {response.text}"
    )
    for error in body["detail"]:
        assert isinstance(error, dict) and {"type", "loc", "msg", "input"} <= set(error), (
            f"{sent} → expected every error to carry type, loc, msg and input, got {error}"
        )
    return body["detail"]


def custom_errors(sent: str, response) -> list[dict]:
    """The `errors` list of the kata's own 422 body, after checking the body has that shape."""
    body = json_of(sent, response)
    assert isinstance(body, dict) and set(body) == {"errors"} and isinstance(body["errors"], list), (
        f'{sent} → expected the body {{"errors": [...]}}, got {response.text}'
    )
    for error in body["errors"]:
        assert isinstance(error, dict) and set(error) == CUSTOM_ERROR_KEYS, (
            f"{sent} → expected every error to have exactly location, field, message and type, got {error}"
        )
    return sorted(body["errors"], key=lambda error: (str(error["location"]), str(error["field"])))


def only_error(sent: str, response, errors: list[dict]) -> dict:
    assert len(errors) == 1, f"{sent} → expected exactly one error, got {len(errors)}: {response.text}"
    return errors[0]


@cache
def plain_fastapi() -> TestClient:
    """A plain FastAPI app with the README's model and routes, built here: FastAPI's own default 422 answers.

    /v1 must answer every bad request exactly as this app does, field by field (whatever fields
    the installed FastAPI puts in an error: input, ctx, url...).
    """

    class Item(BaseModel):
        name: str
        price: float = Field(gt=0)
        sku: str

        @field_validator("sku")
        @classmethod
        def sku_looks_like_abc_123(cls, sku: str) -> str:
            if not re.fullmatch(r"[A-Z]{3}-[0-9]{3}", sku):
                raise ValueError(SKU_MESSAGE)
            return sku

    plain = FastAPI()

    @plain.post("/items", status_code=201)
    def create(item: Item) -> dict:
        return {"id": 1, **item.model_dump()}

    @plain.get("/items")
    def listing(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list:
        return []

    @plain.get("/items/{item_id}")
    def one(item_id: int) -> dict:
        return {}

    return TestClient(plain)


BROKEN_JSON = {"content": b'{"name": "Keyboard", ', "headers": {"content-type": "application/json"}}
BAD_REQUESTS = [
    ("POST", "/items", {"json": BAD_ITEM}, f"{BAD_ITEM}"),
    ("POST", "/items", {"json": {**GOOD_ITEM, "sku": "abc-123"}}, "with sku 'abc-123'"),
    ("POST", "/items", {"json": {**GOOD_ITEM, "price": "cheap"}}, "with price 'cheap'"),
    ("POST", "/items", {"json": {**GOOD_ITEM, "price": 0}}, "with price 0"),
    ("POST", "/items", {"json": {**GOOD_ITEM, "name": 5}}, "with name 5"),
    ("POST", "/items", {"json": [GOOD_ITEM]}, "with a list for a body"),
    ("POST", "/items", {}, "without a body"),
    ("POST", "/items", BROKEN_JSON, "with broken JSON"),
    ("GET", "/items", {"params": {"limit": "ten"}}, "?limit=ten"),
    ("GET", "/items", {"params": {"limit": "0"}}, "?limit=0"),
    ("GET", "/items", {"params": {"limit": "101"}}, "?limit=101"),
    ("GET", "/items/abc", {}, ""),
]


def by_place(errors: list) -> list:
    """Errors in a stable order (loc, then type): the tests do not rely on the order of the model's fields."""
    return sorted(errors, key=lambda error: json.dumps([error.get("loc"), error.get("type")], default=str)
                  if isinstance(error, dict) else "")  # fmt: skip


def first_difference(expected: dict, got: dict) -> str:
    """The first field in which two default error bodies differ, in words."""
    wanted, found = by_place(expected.get("detail", [])), by_place(got.get("detail", []) if isinstance(got, dict) else [])
    if not isinstance(got, dict) or set(got) != {"detail"} or not isinstance(got["detail"], list):
        return f'expected {{"detail": [...]}}, got {json.dumps(got)[:300]}'
    if len(wanted) != len(found):
        return f"expected {len(wanted)} error(s), got {len(found)}: {json.dumps(found)[:300]}"
    for want, have in zip(wanted, found, strict=True):
        if not isinstance(have, dict):
            return f"expected an error object, got {have!r}"
        place = ".".join(str(part) for part in want.get("loc", []))
        for key in sorted(set(want) | set(have)):
            if want.get(key, "<absent>") != have.get(key, "<absent>"):
                return f"error at {place}: {key} expected {json.dumps(want.get(key, '<absent>'))}, got {json.dumps(have.get(key, '<absent>'))}"
    return ""


# --- /v1: FastAPI's default 422 body --------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.rule(1, 3)
def test_v1_lists_every_failing_body_field(client):
    """POST /v1/items with three bad fields answers 422 with FastAPI's default body listing all three."""
    sent = f"POST /v1/items {BAD_ITEM}"
    response = client.post("/v1/items", json=BAD_ITEM)
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    errors = default_errors(sent, response)
    by_loc = {tuple(error["loc"]): error for error in errors}
    assert len(errors) == 3 and set(by_loc) == {("body", "name"), ("body", "price"), ("body", "sku")}, (
        f'{sent} → expected one error at each of ["body", "name"], ["body", "price"], ["body", "sku"], '
        f"got {response.text}"
    )
    name, price = by_loc[("body", "name")], by_loc[("body", "price")]
    assert (name["type"], name["msg"], name["input"]) == ("missing", "Field required", BAD_ITEM), (
        f'{sent} → expected name: type "missing", msg "Field required", input the whole body, got {name}'
    )
    assert price["type"] == "greater_than" and price["input"] == -5, (
        f'{sent} → expected price: type "greater_than" with input -5, got {price}'
    )
    assert price["msg"].startswith("Input should be greater than 0"), (
        f'{sent} → expected price msg "Input should be greater than 0", got {price["msg"]!r}'
    )


@pytest.mark.rule(1, 3)
def test_v1_custom_validator_message_reaches_the_client(client):
    """POST /v1/items with sku "abc-123" answers 422 whose msg carries the model's own message."""
    item = {**GOOD_ITEM, "sku": "abc-123"}
    sent = f"POST /v1/items {item}"
    response = client.post("/v1/items", json=item)
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, default_errors(sent, response))
    assert error["loc"] == ["body", "sku"], f'{sent} → expected loc ["body", "sku"], got {error["loc"]}'
    assert isinstance(error["msg"], str) and error["msg"].endswith(SKU_MESSAGE), (
        f"{sent} → expected a msg ending with {SKU_MESSAGE!r} (like \"Value error, {SKU_MESSAGE}\"), got {error['msg']!r}"
    )
    assert error["input"] == "abc-123", f'{sent} → expected input "abc-123", got {error["input"]!r}'


@pytest.mark.rule(2, 3)
def test_v1_limit_that_is_not_a_number_is_int_parsing(client):
    """GET /v1/items?limit=ten answers 422 with type "int_parsing" at ["query", "limit"]."""
    sent = "GET /v1/items?limit=ten"
    response = client.get("/v1/items", params={"limit": "ten"})
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, default_errors(sent, response))
    assert (error["loc"], error["type"], error["input"]) == (["query", "limit"], "int_parsing", "ten"), (
        f'{sent} → expected loc ["query", "limit"], type "int_parsing", input "ten", got {error}'
    )


@pytest.mark.parametrize(
    ("limit", "error_type"), [("0", "greater_than_equal"), ("101", "less_than_equal")], ids=["limit=0", "limit=101"]
)
@pytest.mark.rule(2, 3)
def test_v1_limit_out_of_bounds_names_the_bound(client, limit, error_type):
    """GET /v1/items with limit outside 1..100 answers 422 naming the broken bound."""
    sent = f"GET /v1/items?limit={limit}"
    response = client.get("/v1/items", params={"limit": limit})
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, default_errors(sent, response))
    assert (error["loc"], error["type"]) == (["query", "limit"], error_type), (
        f'{sent} → expected loc ["query", "limit"] with type "{error_type}", got {error}'
    )


@pytest.mark.rule(2)
def test_v1_valid_requests_still_work(client):
    """POST /v1/items with a good item answers 201, and GET /v1/items lists it."""
    sent = f"POST /v1/items {GOOD_ITEM}"
    response = client.post("/v1/items", json=GOOD_ITEM)
    assert response.status_code == 201, f"{sent} → expected 201, got {response.status_code}: {response.text}"
    listed = client.get("/v1/items")
    assert listed.status_code == 200, f"GET /v1/items → expected 200, got {listed.status_code}: {listed.text}"
    items = json_of("GET /v1/items", listed)
    assert any(isinstance(item, dict) and item.get("sku") == GOOD_ITEM["sku"] for item in items), (
        f"GET /v1/items after {sent} → expected the item in the list, got {listed.text}"
    )


@pytest.mark.points(3)
@pytest.mark.rule(3)
def test_v1_answers_exactly_as_plain_fastapi_does(client):
    """/v1 answers each bad request with the very 422 body a plain FastAPI app gives, every field of every error."""
    reference = plain_fastapi()
    for method, path, send, what in BAD_REQUESTS:
        sent = f"{method} /v1{path} {what}".rstrip()
        expected = reference.request(method, path, **send)
        response = client.request(method, f"/v1{path}", **send)
        assert response.status_code == expected.status_code, (
            f"{sent} → expected {expected.status_code}, got {response.status_code}: {response.text[:300]}"
        )
        difference = first_difference(expected.json(), json_of(sent, response))
        assert not difference, f"{sent} → not FastAPI's default body: {difference}"


@pytest.mark.rule(2)
def test_v1_list_honours_limit_and_its_default_of_10(client):
    """After 12 items are created on /v1, GET /v1/items lists 10, ?limit=3 lists 3 and ?limit=100 at least 12."""
    for number in range(12):
        item = {**GOOD_ITEM, "sku": f"VON-{number:03d}"}
        response = client.post("/v1/items", json=item)
        assert response.status_code == 201, f"POST /v1/items {item} → expected 201, got {response.status_code}: {response.text}"
    for query, fits in [("", lambda n: n == 10), ("?limit=3", lambda n: n == 3), ("?limit=100", lambda n: 12 <= n <= 100)]:
        response = client.get(f"/v1/items{query}")
        assert response.status_code == 200, f"GET /v1/items{query} → expected 200, got {response.status_code}: {response.text}"
        listed = json_of(f"GET /v1/items{query}", response)
        assert isinstance(listed, list) and fits(len(listed)), (
            f"GET /v1/items{query} with 12 items created on /v1 → got a list of {len(listed) if isinstance(listed, list) else listed!r}"
        )


@pytest.mark.points(2)
@pytest.mark.rule(2, 5)
def test_v1_reads_an_item_and_answers_404_for_an_unknown_one(client):
    """GET /v1/items/{id} answers a created item, and 404 {"error": "item_not_found", ...} for an unknown id."""
    created = client.post("/v1/items", json=GOOD_ITEM)
    assert created.status_code == 201, f"POST /v1/items {GOOD_ITEM} → expected 201, got {created.status_code}: {created.text}"
    item = json_of(f"POST /v1/items {GOOD_ITEM}", created)
    item_id = item.get("id") if isinstance(item, dict) else None
    read = client.get(f"/v1/items/{item_id}")
    assert read.status_code == 200 and json_of(f"GET /v1/items/{item_id}", read) == item, (
        f"GET /v1/items/{item_id} (just created) → expected 200 {item}, got {read.status_code}: {read.text}"
    )
    sent = "GET /v1/items/424242"
    try:
        response = client.get("/v1/items/424242")
    except Exception as exc:  # noqa: BLE001 - the TestClient re-raises what no handler of /v1 caught
        pytest.fail(f"{sent} → expected 404, the app crashed ({type(exc).__name__}: {exc}): "
                    "does v1 have an ItemNotFound handler?", pytrace=False)  # fmt: skip
    expected = {"error": "item_not_found", "item_id": 424242}
    assert response.status_code == 404, (
        f"{sent} → expected 404, got {response.status_code} (does v1 have an ItemNotFound handler?): {response.text[:200]}"
    )
    assert json_of(sent, response) == expected, f"{sent} → expected {expected}, got {response.text}"


# --- the main app: the kata's own 422 body ---------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.rule(1, 4)
def test_main_app_lists_every_failing_field_in_its_own_format(client):
    """POST /items with three bad fields answers 422 {"errors": [...]} with location, field, message, type."""
    sent = f"POST /items {BAD_ITEM}"
    response = client.post("/items", json=BAD_ITEM)
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    errors = custom_errors(sent, response)
    places = [(error["location"], error["field"]) for error in errors]
    assert places == [("body", "name"), ("body", "price"), ("body", "sku")], (
        f"{sent} → expected one error for each of body name, price and sku, got {response.text}"
    )
    name, price, sku = errors
    assert name == {"location": "body", "field": "name", "message": "Field required", "type": "missing"}, (
        f'{sent} → expected {{"location": "body", "field": "name", "message": "Field required", "type": "missing"}}, '
        f"got {name}"
    )
    assert price["type"] == "greater_than" and str(price["message"]).startswith("Input should be greater than 0"), (
        f'{sent} → expected price: type "greater_than", message "Input should be greater than 0", got {price}'
    )
    assert str(sku["message"]).endswith(SKU_MESSAGE), (
        f"{sent} → expected the sku message to end with {SKU_MESSAGE!r} (like \"Value error, {SKU_MESSAGE}\"), got {sku}"
    )


@pytest.mark.rule(4)
def test_main_app_query_errors_use_its_own_format(client):
    """GET /items?limit=101 answers 422 {"errors": [...]} with location "query" and field "limit"."""
    sent = "GET /items?limit=101"
    response = client.get("/items", params={"limit": "101"})
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, custom_errors(sent, response))
    expected = {
        "location": "query",
        "field": "limit",
        "message": "Input should be less than or equal to 100",
        "type": "less_than_equal",
    }
    assert error == expected, f"{sent} → expected {expected}, got {error}"


@pytest.mark.rule(4)
def test_main_app_path_errors_use_its_own_format(client):
    """GET /items/abc answers 422 {"errors": [...]} with location "path" and type "int_parsing"."""
    sent = "GET /items/abc"
    response = client.get("/items/abc")
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, custom_errors(sent, response))
    assert (error["location"], error["field"], error["type"]) == ("path", "item_id", "int_parsing"), (
        f'{sent} → expected location "path", field "item_id", type "int_parsing", got {error}'
    )
    assert isinstance(error["message"], str) and error["message"], f"{sent} → expected a message, got {error}"


@pytest.mark.rule(4)
def test_main_app_missing_body_has_an_empty_field(client):
    """POST /items with no body at all answers 422 with one error: location "body", field ""."""
    sent = "POST /items without a body"
    response = client.post("/items")
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, custom_errors(sent, response))
    expected = {"location": "body", "field": "", "message": "Field required", "type": "missing"}
    assert error == expected, f"{sent} → expected {expected}, got {error}"


@pytest.mark.rule(4)
def test_main_app_joins_a_deeper_loc_with_dots(learner, client):
    """An error deeper than one field (loc ["query", "tags", 1]) gets field "tags.1" in the main app's 422 body."""
    added = learner.probe("add_tagged_route")
    assert "problem" not in added, added.get("problem")
    response = client.get(added["path"], params=[("tags", "1"), ("tags", "x")])
    sent = "GET /kata-test/tagged?tags=1&tags=x (a route the test adds to app, tags: list[int])"
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
    error = only_error(sent, response, custom_errors(sent, response))
    assert (error["location"], error["field"], error["type"]) == ("query", "tags.1", "int_parsing"), (
        f'{sent} → expected location "query", field "tags.1", type "int_parsing", got {error}'
    )


@pytest.mark.rule(1)
def test_sku_must_look_like_abc_123(client):
    """An sku that is not 3 capital letters, a dash and 3 digits is refused with the model's message."""
    for sku in ["abc-123", "ABC123", "ABCD-123", "AB-123", "ABC-12", "ABC-1234", "ABC-12X", "ABC-123\n", " ABC-123",
                "ABC-123 ", "XABC-123", "ABC_123", "ÀBC-123", "ABC-١٢٣", ""]:
        item = {**GOOD_ITEM, "sku": sku}
        sent = f"POST /items {item}"
        response = client.post("/items", json=item)
        assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
        assert SKU_MESSAGE in response.text, f"{sent} → expected {SKU_MESSAGE!r} in the answer, got {response.text}"


@pytest.mark.rule(1)
def test_every_well_formed_sku_and_any_positive_price_is_accepted(client):
    """Items with skus such as AAA-000 and ZZZ-999 and prices from 0.01 up are created (201)."""
    for sku, price in [("AAA-000", 0.01), ("ZZZ-999", 1), ("MID-450", 1e6)]:
        item = {**GOOD_ITEM, "sku": sku, "price": price}
        response = client.post("/items", json=item)
        assert response.status_code == 201, f"POST /items {item} → expected 201, got {response.status_code}: {response.text}"


@pytest.mark.rule(1)
def test_price_must_be_above_0_and_name_and_sku_must_be_text(client):
    """A price of 0 answers 422 (type "greater_than") at price; a name or an sku that is a number answers 422 there."""
    for item, field, error_type in [
        ({**GOOD_ITEM, "price": 0}, "price", "greater_than"),
        ({**GOOD_ITEM, "price": "free"}, "price", "float_parsing"),
        ({**GOOD_ITEM, "name": 5}, "name", "string_type"),
        ({**GOOD_ITEM, "sku": 123}, "sku", None),  # string_type, or what a validator of its own says
        ({**GOOD_ITEM, "sku": None}, "sku", None),
    ]:
        sent = f"POST /items {item}"
        try:
            response = client.post("/items", json=item)
        except Exception as exc:  # noqa: BLE001 - the TestClient re-raises the app's own crash
            pytest.fail(f"{sent} → expected 422, the app crashed ({type(exc).__name__}: {exc})", pytrace=False)
        assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text}"
        error = only_error(sent, response, custom_errors(sent, response))
        assert error["field"] == field and error_type in (None, error["type"]), (
            f'{sent} → expected an error at {field}{f" of type {error_type!r}" if error_type else ""}, got {error}'
        )


# --- routes that still work, HTTPException and a domain exception --------------------------


@pytest.mark.rule(2)
def test_good_item_is_created_and_read_back(client):
    """POST /items with a good item answers 201 with its id, and GET /items/{id} returns it."""
    sent = f"POST /items {GOOD_ITEM}"
    response = client.post("/items", json=GOOD_ITEM)
    assert response.status_code == 201, f"{sent} → expected 201, got {response.status_code}: {response.text}"
    created = json_of(sent, response)
    assert isinstance(created, dict) and isinstance(created.get("id"), int), (
        f"{sent} → expected the item with an integer id, got {response.text}"
    )
    assert created == {"id": created["id"], **GOOD_ITEM}, f"{sent} → expected {GOOD_ITEM} plus its id, got {created}"
    read = client.get(f"/items/{created['id']}")
    assert read.status_code == 200, f"GET /items/{created['id']} → expected 200, got {read.status_code}: {read.text}"
    assert json_of(f"GET /items/{created['id']}", read) == created, f"GET /items/{created['id']} → expected {created}, got {read.text}"


@pytest.mark.rule(2)
def test_list_honours_limit_and_its_default_of_10(client):
    """After 12 items are created, GET /items lists 10, ?limit=1 lists 1, ?limit=3 lists 3 and ?limit=100 lists 12."""
    for number in range(12):
        item = {**GOOD_ITEM, "sku": f"KEY-{number:03d}"}
        response = client.post("/items", json=item)
        assert response.status_code == 201, f"POST /items {item} → expected 201, got {response.status_code}"
    for query, expected in [("", 10), ("?limit=1", 1), ("?limit=3", 3), ("?limit=100", 12)]:
        response = client.get(f"/items{query}")
        assert response.status_code == 200, f"GET /items{query} → expected 200, got {response.status_code}: {response.text}"
        listed = json_of(f"GET /items{query}", response)
        assert isinstance(listed, list) and len(listed) == expected, (
            f"GET /items{query} with 12 items stored → expected a list of {expected}, got {response.text[:200]}"
        )


@pytest.mark.points(2)
@pytest.mark.rule(5)
def test_unknown_item_answers_404_with_a_json_body(client):
    """GET /items/424242 (no such item) answers 404 {"error": "item_not_found", "item_id": 424242}."""
    sent = "GET /items/424242"
    response = client.get("/items/424242")
    expected = {"error": "item_not_found", "item_id": 424242}
    assert response.status_code == 404, f"{sent} → expected 404, got {response.status_code}: {response.text}"
    assert json_of(sent, response) == expected, f"{sent} → expected {expected}, got {response.text}"


@pytest.mark.rule(5)
def test_item_not_found_is_handled_wherever_it_is_raised(learner):
    """Raising ItemNotFound(7) in any route of the app answers 404 {"error": "item_not_found", "item_id": 7}."""
    response = learner.probe("request_route_raising_item_not_found", 7)
    assert "problem" not in response, response.get("problem")
    sent = "a route raising ItemNotFound(7)"
    expected = {"error": "item_not_found", "item_id": 7}
    assert response["status"] == 404, f"{sent} → expected 404, got {response['status']}: {response['text']}"
    if not response["is_json"]:
        pytest.fail(f"{sent} → expected a JSON answer, got {response['status']}: {response['text'][:200]!r}", pytrace=False)
    assert response["json"] == expected, f"{sent} → expected {expected}, got {response['text']}"


@pytest.mark.points(2)
@pytest.mark.rule(6)
def test_admin_answers_401_with_www_authenticate(client):
    """GET /admin answers 401 {"detail": "Not authenticated"} with the header WWW-Authenticate: Bearer."""
    sent = "GET /admin"
    response = client.get("/admin")
    assert response.status_code == 401, f"{sent} → expected 401, got {response.status_code}: {response.text}"
    assert json_of(sent, response) == {"detail": "Not authenticated"}, (
        f'{sent} → expected {{"detail": "Not authenticated"}}, got {response.text}'
    )
    header = response.headers.get("www-authenticate")
    assert header == "Bearer", f"{sent} → expected the header WWW-Authenticate: Bearer, got {header!r}"


@pytest.mark.rule(6)
def test_other_http_errors_keep_fastapis_body(client):
    """GET /nowhere answers 404 {"detail": "Not Found"} and DELETE /items 405 {"detail": "Method Not Allowed"}."""
    for method, path, status, detail in [("GET", "/nowhere", 404, "Not Found"), ("DELETE", "/items", 405, "Method Not Allowed")]:
        sent = f"{method} {path}"
        response = client.request(method, path)
        assert response.status_code == status, f"{sent} → expected {status}, got {response.status_code}: {response.text}"
        assert json_of(sent, response) == {"detail": detail}, f'{sent} → expected {{"detail": "{detail}"}}, got {response.text}'
