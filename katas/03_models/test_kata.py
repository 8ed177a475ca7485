"""Kata 03 · Pydantic models: validation in, filtering out, and the JSON Schema in the docs."""

import copy
import math

import pytest
from fastapi.exceptions import ResponseValidationError

ADA = {
    "username": "ada",
    "password": "analytical-engine",
    "age": 36,
    "address": {"street": "12 St James's Square", "city": "London"},
}
GRACE = {
    "username": "grace",
    "password": "cobol-1959",
    "age": 85,
    "address": {"street": "1 Navy Yard", "city": "Arlington"},
}


def public(user: dict, user_id: int) -> dict:
    """What the API should answer for ``user``: its id and everything but the password."""
    return {"id": user_id, **{key: value for key, value in user.items() if key != "password"}}


def with_changes(user: dict, **changes) -> dict:
    sent = copy.deepcopy(user)
    sent.update(changes)
    return sent


def error_locations(response) -> list[list]:
    try:
        detail = response.json().get("detail", [])
    except (ValueError, AttributeError):
        return []
    if not isinstance(detail, list):
        return []
    return [list(error.get("loc", [])) for error in detail if isinstance(error, dict)]


def password_leaks(value) -> bool:
    """True if a "password" key appears anywhere in a JSON value."""
    if isinstance(value, dict):
        return any(key.lower() == "password" or password_leaks(item) for key, item in value.items())
    if isinstance(value, list):
        return any(password_leaks(item) for item in value)
    return False


def send(client, method: str, url: str, what: str, **kwargs):
    """Send a request; an answer that breaks the response model fails with what was sent and why.

    Other crashes propagate, so the grade card points at the line of the graded file that raised.
    """
    try:
        return client.request(method, url, **kwargs)
    except ResponseValidationError as exc:  # the TestClient re-raises the app's own exceptions
        sent = " ".join(part for part in (method, url, what) if part)
        raise AssertionError(
            f"{sent} → the answer does not match the response model (ResponseValidationError): {exc.errors()}"
        ) from None


def create(client, user: dict):
    response = send(client, "POST", "/users", str(user), json=user)
    assert response.status_code == 201, f"POST /users {user} → expected 201, got {response.status_code}: {response.text}"
    return response


def expect_422_at(client, sent: dict, location: list, why: str) -> None:
    response = send(client, "POST", "/users", f"with {why}", json=sent)
    assert response.status_code == 422, (
        f"POST /users with {why} → expected 422, got {response.status_code}: {response.text}"
    )
    assert location in error_locations(response), (
        f"POST /users with {why} → expected an error at {location}, got {response.text}"
    )


@pytest.mark.rule(1)
def test_create_answers_201(client):
    """POST /users with a valid user answers 201 Created."""
    response = send(client, "POST", "/users", str(ADA), json=ADA)
    assert response.status_code == 201, f"POST /users {ADA} → expected 201, got {response.status_code}: {response.text}"


@pytest.mark.points(2)
@pytest.mark.rule(1, 2)
def test_create_answers_the_user_with_its_new_id(client):
    """POST /users answers the user with id 1 (then 2, …), its username, age and nested address."""
    for user, user_id in ((ADA, 1), (GRACE, 2)):
        response = create(client, user)
        body = response.json()
        shown = {key: value for key, value in body.items() if key != "password"} if isinstance(body, dict) else body
        assert shown == public(user, user_id), (
            f"POST /users (user number {user_id}) → expected {public(user, user_id)}, got {response.text}"
        )


@pytest.mark.points(2)
@pytest.mark.rule(3)
def test_create_never_answers_the_password(client):
    """The answer to POST /users has no password field at all."""
    response = create(client, ADA)
    assert not password_leaks(response.json()), f"POST /users → the answer has a password field: {response.text}"
    assert ADA["password"] not in response.text, f"POST /users → the answer contains the password: {response.text}"


@pytest.mark.points(2)
@pytest.mark.rule(3, 4)
def test_read_answers_the_stored_user_without_password(client):
    """GET /users/2 answers the second user created, with no password field."""
    create(client, ADA)
    create(client, GRACE)
    for user, user_id in ((GRACE, 2), (ADA, 1)):
        response = send(client, "GET", f"/users/{user_id}", "")
        assert response.status_code == 200, f"GET /users/{user_id} → expected 200, got {response.status_code}: {response.text}"
        assert not password_leaks(response.json()) and user["password"] not in response.text, (
            f"GET /users/{user_id} → the answer gives the password away: {response.text}"
        )
        assert response.json() == public(user, user_id), (
            f"GET /users/{user_id} → expected {public(user, user_id)}, got {response.text}"
        )


@pytest.mark.rule(4)
def test_read_unknown_user_is_404(client):
    """GET /users/99 answers 404 when no such user was created."""
    create(client, ADA)
    found = send(client, "GET", "/users/1", "")
    assert found.status_code == 200, f"GET /users/1 (user 1 exists) → expected 200, got {found.status_code}: {found.text}"
    response = send(client, "GET", "/users/99", "")
    assert response.status_code == 404, f"GET /users/99 (only user 1 exists) → expected 404, got {response.status_code}: {response.text}"


@pytest.mark.points(2)
@pytest.mark.rule(4)
def test_unknown_user_404_says_so_in_detail(client):
    """GET /users/99 answers 404 {"detail": <your message>}, not the "Not Found" of an unknown URL."""
    response = send(client, "GET", "/users/99", "")
    sent = "GET /users/99 (no user created)"
    assert response.status_code == 404, f"{sent} → expected 404, got {response.status_code}: {response.text}"
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict) and set(body) == {"detail"}, f'{sent} → expected {{"detail": ...}}, got {response.text}'
    detail = body["detail"]
    assert isinstance(detail, str) and detail.strip() and detail != "Not Found", (
        f'{sent} → expected a message of your own such as "User not found" (not FastAPI\'s "Not Found"), got {detail!r}'
    )


@pytest.mark.points(2)
@pytest.mark.rule(5)
def test_every_field_is_required(client):
    """A body without username, without password or without age answers 422 at that field."""
    for field in ("username", "password", "age"):
        sent = {key: value for key, value in ADA.items() if key != field}
        expect_422_at(client, sent, ["body", field], f"no {field}")


@pytest.mark.rule(5)
def test_every_broken_field_is_reported(client):
    """A body with all four fields broken answers one 422 naming each of them."""
    sent = {"username": "ab", "password": "short", "age": 0, "address": {"street": "12 St James's Square"}}
    response = send(client, "POST", "/users", "with four broken fields", json=sent)
    assert response.status_code == 422, f"POST /users {sent} → expected 422, got {response.status_code}: {response.text}"
    locations = error_locations(response)
    wanted = (["body", "username"], ["body", "password"], ["body", "age"], ["body", "address", "city"])
    missing = [".".join(location[1:]) for location in wanted if location not in locations]
    assert not missing, f"POST /users {sent} → expected an error for each broken field; none for {missing}: {response.text}"


@pytest.mark.rule(6)
def test_username_must_have_3_to_20_characters(client):
    """A username of 2 or of 21 characters answers 422 at body → username; 3 and 20 are accepted."""
    for username in ("ab", "u" * 21):
        expect_422_at(client, with_changes(ADA, username=username), ["body", "username"], f"username {username!r}")
    for username in ("abc", "u" * 20):
        create(client, with_changes(ADA, username=username))


@pytest.mark.points(2)
@pytest.mark.rule(6)
def test_username_may_hold_any_characters(client):
    """Usernames with digits, dots, underscores, spaces or accents are accepted, at 3 and at 20 characters."""
    for username in ("ada_1815", "123", "a.b", "Ådå", "grace hopper", "x9" * 10, "ü" * 20, "12345"):
        create(client, with_changes(ADA, username=username))


@pytest.mark.points(2)
@pytest.mark.rule(6)
def test_username_must_be_text(client):
    """A username sent as a number, a list, an object or null answers 422 at body → username."""
    for username in (12345, 4.5, ["ada"], {"name": "ada"}, None):
        expect_422_at(client, with_changes(ADA, username=username), ["body", "username"], f"username {username!r}")


@pytest.mark.rule(7)
def test_password_must_have_8_characters(client):
    """A password of 7 characters answers 422 at body → password; 8 are accepted."""
    expect_422_at(client, with_changes(ADA, password="1234567"), ["body", "password"], "a 7-character password")
    create(client, with_changes(ADA, password="12345678"))


@pytest.mark.rule(7)
def test_password_must_be_text(client):
    """A password sent as a number (even of 9 digits), a list or null answers 422 at body → password."""
    for password in (123456789, ["analytical-engine"], None):
        expect_422_at(client, with_changes(ADA, password=password), ["body", "password"], f"password {password!r}")


@pytest.mark.points(2)
@pytest.mark.rule(8)
def test_age_must_be_a_whole_number_above_0(client):
    """An age of 0, -1, 2.5 or "old" answers 422 at body → age; 1 is accepted."""
    for age in (0, -1, 2.5, "old"):
        expect_422_at(client, with_changes(ADA, age=age), ["body", "age"], f"age {age!r}")
    create(client, with_changes(ADA, age=1))


@pytest.mark.points(2)
@pytest.mark.rule(9)
def test_nested_address_is_validated(client):
    """An address without city answers 422 at body → address → city; a text address or none at all is 422 too."""
    expect_422_at(
        client, with_changes(ADA, address={"street": "12 St James's Square"}), ["body", "address", "city"],
        "an address without city",
    )
    expect_422_at(
        client, with_changes(ADA, address={"city": "London"}), ["body", "address", "street"],
        "an address without street",
    )
    expect_422_at(client, with_changes(ADA, address="12 St James's Square, London"), ["body", "address"], "a text address")
    without_address = {key: value for key, value in ADA.items() if key != "address"}
    expect_422_at(client, without_address, ["body", "address"], "no address")
    expect_422_at(
        client, with_changes(ADA, address={"street": "12 St James's Square", "city": 1815}), ["body", "address", "city"],
        "a city that is a number",
    )
    expect_422_at(
        client, with_changes(ADA, address={"street": 12, "city": "London"}), ["body", "address", "street"],
        "a street that is a number",
    )


def _follow(schema, document: dict) -> tuple[dict, str]:
    """Resolve ``schema`` to the object it describes, and the components.schemas name it points to ('' if inline).

    Accepts a plain $ref, an allOf with one $ref, or `X | None` (anyOf with null), so any correct style reads the same.
    """
    name = ""
    for _ in range(10):
        if not isinstance(schema, dict):
            return {}, name
        if "$ref" in schema:
            ref = str(schema["$ref"])
            if not ref.startswith("#/components/schemas/"):
                return {}, name
            name = ref.removeprefix("#/components/schemas/")
            schema = document.get("components", {}).get("schemas", {}).get(name, {})
            continue
        for key in ("allOf", "anyOf", "oneOf"):
            options = [s for s in schema.get(key, []) if isinstance(s, dict) and s.get("type") != "null"]
            if len(options) == 1:
                schema = options[0]
                break
        else:
            return schema, name
    return schema, name


def smallest_integer(schema: dict) -> int | None:
    """The smallest whole number a schema allows, whichever keyword states it.

    ``minimum: 1``, ``exclusiveMinimum: 0`` (and OpenAPI 3.0's ``minimum: 0, exclusiveMinimum: true``)
    all mean 1 for an integer.
    """
    def number(value) -> float | None:
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    bounds = []
    minimum, exclusive = number(schema.get("minimum")), schema.get("exclusiveMinimum")
    if minimum is not None:
        bounds.append(math.floor(minimum) + 1 if exclusive is True else math.ceil(minimum))
    if number(exclusive) is not None:
        bounds.append(math.floor(exclusive) + 1)
    return max(bounds) if bounds else None


def _openapi(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    return response.json()


def _operation(document: dict, method: str, path: str) -> dict:
    operation = document.get("paths", {}).get(path, {}).get(method)
    assert isinstance(operation, dict), (
        f"GET /openapi.json → expected {method.upper()} {path} in paths, got {sorted(document.get('paths', {}))}"
    )
    return operation


@pytest.mark.points(2)
@pytest.mark.rule(10)
def test_openapi_shows_the_request_model_and_its_constraints(client):
    """/openapi.json describes POST /users's body as a model in components.schemas, with its limits and a nested Address model."""
    document = _openapi(client)
    operation = _operation(document, "post", "/users")
    body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    model, name = _follow(body_schema, document)
    assert name and model, (
        f"GET /openapi.json → expected POST /users's body to refer to a model in components.schemas, got {body_schema}"
    )
    properties = model.get("properties", {})
    assert set(model.get("required", [])) >= {"username", "password", "age", "address"}, (
        f"GET /openapi.json → expected {name} to require username, password, age and address, got required {model.get('required')}"
    )
    username, _ = _follow(properties.get("username"), document)
    password, _ = _follow(properties.get("password"), document)
    age, _ = _follow(properties.get("age"), document)
    expected = {
        "username": (
            (username.get("type"), username.get("minLength"), username.get("maxLength")), ("string", 3, 20),
            "type string, minLength 3 and maxLength 20",
        ),
        "password": ((password.get("type"), password.get("minLength")), ("string", 8), "type string and minLength 8"),
        "age": (
            (age.get("type"), smallest_integer(age)), ("integer", 1),
            "type integer and 1 as its smallest value (exclusiveMinimum 0 or minimum 1)",
        ),
    }
    for field, (got, wanted, words) in expected.items():
        assert got == wanted, f"GET /openapi.json → expected {name}.{field} to have {words}, got {properties.get(field)}"
    address, address_name = _follow(properties.get("address"), document)
    assert address_name, (
        f"GET /openapi.json → expected {name}.address to refer to its own model in components.schemas, got {properties.get('address')}"
    )
    assert set(address.get("required", [])) == {"street", "city"}, (
        f"GET /openapi.json → expected {address_name} to require street and city, got {address}"
    )


@pytest.mark.points(2)
@pytest.mark.rule(10)
def test_openapi_answers_have_no_password(client):
    """/openapi.json documents the answers of POST /users (201) and GET /users/{user_id} as typed models with the nested address and no password."""
    document = _openapi(client)
    for method, path, status in (("post", "/users", "201"), ("get", "/users/{user_id}", "200")):
        responses = _operation(document, method, path).get("responses", {})
        assert status in responses, (
            f"GET /openapi.json → expected {method.upper()} {path} to document a {status} answer, got {sorted(responses)}"
        )
        schema = responses[status].get("content", {}).get("application/json", {}).get("schema")
        model, name = _follow(schema, document)
        properties = model.get("properties", {})
        assert name and {"id", "username", "age", "address"} <= set(properties), (
            f"GET /openapi.json → expected the {status} answer of {method.upper()} {path} to be a model with "
            f"id, username, age and address, got {schema}"
        )
        assert "password" not in properties, (
            f"GET /openapi.json → the {status} answer of {method.upper()} {path} ({name}) documents a password field"
        )
        for field, wanted in (("id", "integer"), ("username", "string"), ("age", "integer")):
            described, _ = _follow(properties.get(field), document)
            assert described.get("type") == wanted, (
                f"GET /openapi.json → expected {name}.{field} in the {status} answer of {method.upper()} {path} "
                f"to be of type {wanted}, got {properties.get(field)}"
            )
        address, address_name = _follow(properties.get("address"), document)
        assert address_name and set(address.get("required", [])) == {"street", "city"}, (
            f"GET /openapi.json → expected {name}.address to refer to the Address model (street, city), "
            f"got {properties.get('address')}"
        )
