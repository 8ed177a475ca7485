"""Kata 01 · Your first FastAPI app: what you get from Starlette and Pydantic for free."""

import pytest

ITEM = {"name": "Keyboard", "price": 49.5, "in_stock": False}


def error_locations(body: dict) -> list[list]:
    return [list(error.get("loc", [])) for error in body.get("detail", [])]


def json_types(schema: dict) -> set[str]:
    """The JSON types a property's schema allows (``type``, or each ``anyOf`` option's); empty when untyped."""
    if "type" in schema:
        return {schema["type"]}
    options = [option.get("type") for option in schema.get("anyOf", [])]
    return set(options) if options and all(options) else set()


@pytest.mark.rule(2)
def test_root_answers_with_a_json_greeting(client):
    """GET / answers 200 with the JSON {"message": "Hello, FastAPI!"}."""
    response = client.get("/")
    assert response.status_code == 200, f"GET / → expected 200, got {response.status_code}: {response.text}"
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"GET / → expected a JSON answer, got content-type {response.headers.get('content-type')!r}"
    )
    assert response.json() == {"message": "Hello, FastAPI!"}, (
        f'GET / → expected {{"message": "Hello, FastAPI!"}}, got {response.text}'
    )


@pytest.mark.rule(3, 4)
def test_post_item_echoes_the_validated_item(client):
    """POST /items with a valid item answers 200 with that item."""
    response = client.post("/items", json=ITEM)
    assert response.status_code == 200, f"POST /items {ITEM} → expected 200, got {response.status_code}: {response.text}"
    assert response.json() == ITEM, f"POST /items {ITEM} → expected the same item back, got {response.text}"


@pytest.mark.rule(3, 4)
def test_in_stock_defaults_to_true(client):
    """An item sent without in_stock comes back with in_stock true."""
    sent = {"name": "Mouse", "price": 19.0}
    response = client.post("/items", json=sent)
    assert response.status_code == 200, f"POST /items {sent} → expected 200, got {response.status_code}: {response.text}"
    assert response.json() == {**sent, "in_stock": True}, (
        f"POST /items {sent} → expected in_stock to default to true, got {response.text}"
    )


@pytest.mark.rule(3, 4)
def test_numeric_string_price_is_converted(client):
    """A price sent as the text "12.5" is converted to the number 12.5."""
    sent = {"name": "Cable", "price": "12.5"}
    response = client.post("/items", json=sent)
    assert response.status_code == 200, f"POST /items {sent} → expected 200, got {response.status_code}: {response.text}"
    price = response.json().get("price")
    assert price == 12.5 and not isinstance(price, str), (
        f"POST /items {sent} → expected price 12.5 as a number, got {price!r}"
    )


@pytest.mark.points(2)
@pytest.mark.rule(3, 5)
def test_bad_price_is_rejected_with_422(client):
    """A price that is not a number is rejected with 422, naming body → price."""
    sent = {"name": "Desk", "price": "cheap"}
    response = client.post("/items", json=sent)
    assert response.status_code == 422, f"POST /items {sent} → expected 422, got {response.status_code}: {response.text}"
    assert ["body", "price"] in error_locations(response.json()), (
        f"POST /items {sent} → expected an error at [\"body\", \"price\"], got {response.text}"
    )


def refused_at(client, field: str, values: tuple) -> None:
    """POST an otherwise good item with each of ``values`` as ``field``: each must be a 422 naming it."""
    for value in values:
        sent = {**ITEM, field: value}
        response = client.post("/items", json=sent)
        assert response.status_code == 422, (
            f"POST /items with {field} {value!r} → expected 422, got {response.status_code}: {response.text}"
        )
        assert ["body", field] in error_locations(response.json()), (
            f"POST /items with {field} {value!r} → expected an error at [\"body\", \"{field}\"], got {response.text}"
        )


@pytest.mark.rule(3, 5)
def test_name_must_be_text(client):
    """A name sent as a number, a list, an object or null is rejected with 422 at body → name."""
    refused_at(client, "name", (123, 4.5, ["Keyboard"], {"text": "Keyboard"}, None))


@pytest.mark.rule(3, 5)
def test_price_must_be_a_number(client):
    """A price sent as null, a list or an object is rejected with 422 at body → price."""
    refused_at(client, "price", (None, [49.5], {"amount": 49.5}, "12,5"))


@pytest.mark.rule(3, 5)
def test_in_stock_must_be_true_or_false(client):
    """An in_stock of "maybe", null, 2 or a list is rejected with 422 at body → in_stock."""
    refused_at(client, "in_stock", ("maybe", None, 2, [True]))


@pytest.mark.points(2)
@pytest.mark.rule(5)
def test_every_missing_field_is_reported(client):
    """An empty body is rejected with 422 that lists both name and price as missing."""
    response = client.post("/items", json={})
    assert response.status_code == 422, f"POST /items {{}} → expected 422, got {response.status_code}: {response.text}"
    locations = error_locations(response.json())
    for field in ("name", "price"):
        assert ["body", field] in locations, (
            f"POST /items {{}} → expected a missing-field error at [\"body\", \"{field}\"], got {response.text}"
        )


@pytest.mark.points(2)
@pytest.mark.rule(5)
def test_every_bad_field_is_reported_at_once(client):
    """A body with three bad fields is rejected with one 422 that names all three."""
    sent = {"name": 7, "price": "cheap", "in_stock": "maybe"}
    response = client.post("/items", json=sent)
    assert response.status_code == 422, f"POST /items {sent} → expected 422, got {response.status_code}: {response.text}"
    locations = error_locations(response.json())
    missing = [field for field in ("name", "price", "in_stock") if ["body", field] not in locations]
    assert not missing, f"POST /items {sent} → expected errors at body → name, price and in_stock; {missing} not named: {response.text}"


@pytest.mark.rule(1, 6)
def test_openapi_schema_documents_the_api(client):
    """/openapi.json is titled "Kata Shop" and documents GET /, POST /items and the Item model with its types."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    schema = response.json()
    title = schema.get("info", {}).get("title")
    assert title == "Kata Shop", f"GET /openapi.json → expected info.title 'Kata Shop', got {title!r}"
    paths = schema.get("paths", {})
    assert "get" in paths.get("/", {}), f"GET /openapi.json → expected GET / in paths, got {sorted(paths)}"
    assert "post" in paths.get("/items", {}), f"GET /openapi.json → expected POST /items in paths, got {sorted(paths)}"
    item = schema.get("components", {}).get("schemas", {}).get("Item", {})
    assert set(item.get("required", [])) == {"name", "price"}, (
        f"GET /openapi.json → expected an Item schema requiring name and price, got {item}"
    )
    properties = item.get("properties", {})
    for field, wanted in (("name", {"string"}), ("price", {"number", "integer"}), ("in_stock", {"boolean"})):
        described = properties.get(field, {})
        types = json_types(described)
        assert types and types <= wanted and (field != "price" or "number" in types), (
            f"GET /openapi.json → expected Item.{field} of type {' or '.join(sorted(wanted))}, got {described or 'nothing'}"
        )
    in_stock = properties.get("in_stock", {})
    assert in_stock.get("default") is True, f"GET /openapi.json → expected Item.in_stock to default to true, got {in_stock}"


@pytest.mark.rule(1, 6)
def test_swagger_ui_is_served_at_docs(client):
    """GET /docs serves Swagger UI for the "Kata Shop" API, reading /openapi.json."""
    response = client.get("/docs")
    assert response.status_code == 200, f"GET /docs → expected 200, got {response.status_code}"
    page = response.text
    assert "swagger-ui" in page.lower() and "/openapi.json" in page, "GET /docs → expected a Swagger UI page that loads /openapi.json"
    assert "<title>Kata Shop - Swagger UI</title>" in page, "GET /docs → expected the page title 'Kata Shop - Swagger UI'"


@pytest.mark.rule(1, 6)
def test_redoc_is_served_at_redoc(client):
    """GET /redoc serves ReDoc for the "Kata Shop" API, reading /openapi.json."""
    response = client.get("/redoc")
    assert response.status_code == 200, f"GET /redoc → expected 200, got {response.status_code}"
    page = response.text
    assert "redoc" in page.lower() and "/openapi.json" in page, "GET /redoc → expected a ReDoc page that loads /openapi.json"
    assert "<title>Kata Shop - ReDoc</title>" in page, "GET /redoc → expected the page title 'Kata Shop - ReDoc'"
