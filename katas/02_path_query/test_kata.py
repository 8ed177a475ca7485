"""Kata 02 · Path and query parameters: where each lives in the URL, and how FastAPI reads it."""

import math

import pytest

# The same 25 items the README (and the stub) define.
ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]
MODELS = ("alexnet", "resnet", "lenet")


def error_locations(response) -> list[list]:
    try:
        detail = response.json().get("detail", [])
    except ValueError:
        return []
    if not isinstance(detail, list):
        return []
    return [list(error.get("loc", [])) for error in detail if isinstance(error, dict)]


def get_page(client, url: str) -> dict:
    """GET a page of /items; fail with a readable message unless it is a 200 JSON object."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} → expected 200, got {response.status_code}: {response.text}"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("items"), list), (
        f'GET {url} → expected {{"skip": ..., "limit": ..., "items": [...]}}, got {response.text}'
    )
    return body


def ids(page: dict) -> list:
    return [item.get("id") if isinstance(item, dict) else item for item in page["items"]]


@pytest.mark.rule(1)
def test_user_id_is_converted_to_an_int(client):
    """GET /users/42 answers {"user_id": 42}: the path text "42" arrives as the number 42."""
    for user_id in (42, 7):
        response = client.get(f"/users/{user_id}")
        assert response.status_code == 200, (
            f"GET /users/{user_id} → expected 200, got {response.status_code}: {response.text}"
        )
        got = response.json()
        assert got == {"user_id": user_id} and isinstance(got.get("user_id"), int), (
            f'GET /users/{user_id} → expected {{"user_id": {user_id}}} with a number, got {response.text}'
        )


@pytest.mark.points(2)
@pytest.mark.rule(2)
def test_user_id_that_is_not_a_number_is_422(client):
    """GET /users/abc answers 422 with an error at path → user_id."""
    for user_id in ("abc", "4.5"):
        response = client.get(f"/users/{user_id}")
        assert response.status_code == 422, (
            f"GET /users/{user_id} → expected 422, got {response.status_code}: {response.text}"
        )
        assert ["path", "user_id"] in error_locations(response), (
            f'GET /users/{user_id} → expected an error at ["path", "user_id"], got {response.text}'
        )


@pytest.mark.points(2)
@pytest.mark.rule(3)
def test_users_me_is_matched_before_user_id(client):
    """GET /users/me answers {"user_id": "me"}, not a 422 from trying to read "me" as a number."""
    response = client.get("/users/me")
    assert response.status_code == 200, (
        f"GET /users/me → expected 200, got {response.status_code} "
        f"(is /users/{{user_id}} declared before /users/me?): {response.text}"
    )
    assert response.json() == {"user_id": "me"}, f'GET /users/me → expected {{"user_id": "me"}}, got {response.text}'


@pytest.mark.points(2)
@pytest.mark.rule(4)
def test_items_default_to_skip_0_and_limit_10(client):
    """GET /items with no query string answers skip 0, limit 10 and the first 10 items, unfiltered."""
    page = get_page(client, "/items")
    assert (page.get("skip"), page.get("limit")) == (0, 10), (
        f"GET /items → expected skip 0 and limit 10, got skip {page.get('skip')!r} and limit {page.get('limit')!r}"
    )
    assert page["items"] == ITEMS[:10], f"GET /items → expected items 0 to 9, got ids {ids(page)}"


@pytest.mark.points(2)
@pytest.mark.rule(4)
def test_skip_and_limit_select_a_slice(client):
    """GET /items?skip=3&limit=2 answers items 3 and 4; skip past the end answers no items."""
    cases = {
        "/items?skip=3&limit=2": (3, 2, ITEMS[3:5]),
        "/items?skip=20": (20, 10, ITEMS[20:]),
        "/items?skip=0&limit=4": (0, 4, ITEMS[:4]),
        "/items?skip=30&limit=5": (30, 5, []),
    }
    for url, (skip, limit, expected) in cases.items():
        page = get_page(client, url)
        assert (page.get("skip"), page.get("limit")) == (skip, limit), (
            f"GET {url} → expected skip {skip} and limit {limit}, "
            f"got skip {page.get('skip')!r} and limit {page.get('limit')!r}"
        )
        assert page["items"] == expected, (
            f"GET {url} → expected ids {[item['id'] for item in expected]}, got ids {ids(page)}"
        )


@pytest.mark.rule(5)
def test_negative_skip_is_422(client):
    """GET /items?skip=-1 answers 422 with an error at query → skip."""
    for url in ("/items?skip=-1", "/items?skip=abc"):
        response = client.get(url)
        assert response.status_code == 422, f"GET {url} → expected 422, got {response.status_code}: {response.text}"
        assert ["query", "skip"] in error_locations(response), (
            f'GET {url} → expected an error at ["query", "skip"], got {response.text}'
        )


@pytest.mark.points(2)
@pytest.mark.rule(6)
def test_limit_must_be_between_1_and_20(client):
    """limit=0 and limit=21 answer 422 (query → limit); limit=1 and limit=20 are accepted."""
    for limit in (0, 21, -5):
        url = f"/items?limit={limit}"
        response = client.get(url)
        assert response.status_code == 422, f"GET {url} → expected 422, got {response.status_code}: {response.text}"
        assert ["query", "limit"] in error_locations(response), (
            f'GET {url} → expected an error at ["query", "limit"], got {response.text}'
        )
    for limit in (1, 20):
        url = f"/items?limit={limit}"
        page = get_page(client, url)
        assert page["items"] == ITEMS[:limit], f"GET {url} → expected ids 0 to {limit - 1}, got ids {ids(page)}"


@pytest.mark.points(2)
@pytest.mark.rule(7)
def test_q_filters_by_name_before_paging(client):
    """GET /items?q=item-2 answers only items whose name contains "item-2"; skip and limit page the matches."""
    cases = {
        "/items?q=item-2": [2, 20, 21, 22, 23, 24],
        "/items?q=item-1": [1, 10, 11, 12, 13, 14, 15, 16, 17, 18],
        "/items?q=item-1&skip=1&limit=3": [10, 11, 12],
        "/items?q=nothing-matches": [],
    }
    for url, expected in cases.items():
        page = get_page(client, url)
        assert ids(page) == expected, f"GET {url} → expected ids {expected}, got ids {ids(page)}"
        assert page["items"] == [ITEMS[i] for i in expected], f"GET {url} → expected whole items, got {page['items']}"


@pytest.mark.points(2)
@pytest.mark.rule(7)
def test_q_matches_anywhere_in_the_name(client):
    """q matches in the middle and at the end of a name, not only at its start: ?q=4 answers items 4, 14 and 24."""
    cases = {
        "/items?q=4": [4, 14, 24],  # the end of the name
        "/items?q=m-1&limit=20": [1, *range(10, 20)],  # the middle
        "/items?q=tem&limit=20": list(range(20)),  # the middle of every name
        "/items?q=-2&skip=1": [20, 21, 22, 23, 24],  # the middle and the end
        "/items?q=red": [],  # a tag is not a name
    }
    for url, expected in cases.items():
        page = get_page(client, url)
        assert ids(page) == expected, f"GET {url} → expected ids {expected}, got ids {ids(page)}"


@pytest.mark.points(2)
@pytest.mark.rule(8)
def test_tag_can_be_repeated(client):
    """GET /items?tag=red&tag=blue answers the items tagged red or blue; it combines with q."""
    cases = {
        "/items?tag=green": [i for i in range(25) if i % 3 == 1][:10],
        "/items?tag=red&tag=blue&limit=20": [i for i in range(25) if i % 3 != 1],
        "/items?tag=green&q=item-1": [1, 10, 13, 16, 19],
        "/items?tag=purple": [],
    }
    for url, expected in cases.items():
        page = get_page(client, url)
        ignored = " (tag was ignored: without Query(), a list parameter is read from the body)" if ids(page) == list(range(10)) else ""
        assert ids(page) == expected, f"GET {url} → expected ids {expected}, got ids {ids(page)}{ignored}"


@pytest.mark.rule(8)
def test_tag_matches_whole_tags_before_paging(client):
    """?tag=re matches no item (tags match whole), and ?tag=green&skip=2&limit=3 pages through the green items."""
    green = [i for i in range(25) if i % 3 == 1]
    cases = {
        "/items?tag=re": [],
        "/items?tag=Red": [],
        "/items?tag=green&skip=2&limit=3": green[2:5],
        "/items?tag=blue&tag=green&skip=10&limit=20": [i for i in range(25) if i % 3 != 0][10:],
    }
    for url, expected in cases.items():
        page = get_page(client, url)
        assert ids(page) == expected, f"GET {url} → expected ids {expected}, got ids {ids(page)}"


@pytest.mark.points(2)
@pytest.mark.rule(9)
def test_model_name_accepts_only_the_three_models(client):
    """GET /models/resnet answers {"model_name": "resnet"}; /models/vgg answers 422 at path → model_name."""
    for name in MODELS:
        response = client.get(f"/models/{name}")
        assert response.status_code == 200, f"GET /models/{name} → expected 200, got {response.status_code}: {response.text}"
        assert response.json() == {"model_name": name}, (
            f'GET /models/{name} → expected {{"model_name": "{name}"}}, got {response.text}'
        )
    for name in ("vgg", "ResNet", "alex"):
        response = client.get(f"/models/{name}")
        assert response.status_code == 422, f"GET /models/{name} → expected 422, got {response.status_code}: {response.text}"
        assert ["path", "model_name"] in error_locations(response), (
            f'GET /models/{name} → expected an error at ["path", "model_name"], got {response.text}'
        )


def _resolve(schema: dict, document: dict) -> dict:
    """Follow a local $ref and unwrap `X | None` (anyOf with null), so any correct style reads the same."""
    for _ in range(10):
        if not isinstance(schema, dict):
            return {}
        if "$ref" in schema:
            node: object = document
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            schema = {**schema, **(node if isinstance(node, dict) else {})}
            schema.pop("$ref", None)
            continue
        options = [s for s in schema.get("anyOf", []) if isinstance(s, dict) and s.get("type") != "null"]
        if len(options) == 1:
            rest = {key: value for key, value in schema.items() if key != "anyOf"}
            schema = {**rest, **options[0]}
            continue
        return schema
    return schema


def integer_bounds(schema: dict) -> tuple[int | None, int | None]:
    """The smallest and largest whole number a schema allows, whichever keyword states each bound.

    For whole numbers ``minimum: 0`` and ``exclusiveMinimum: -1`` mean the same; so do
    ``maximum: 20`` and ``exclusiveMaximum: 21`` (also the older boolean form of OpenAPI 3.0).
    """
    def number(value) -> float | None:
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    lows, highs = [], []
    minimum, maximum = number(schema.get("minimum")), number(schema.get("maximum"))
    exclusive_min, exclusive_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if minimum is not None:
        lows.append(math.floor(minimum) + 1 if exclusive_min is True else math.ceil(minimum))
    if maximum is not None:
        highs.append(math.ceil(maximum) - 1 if exclusive_max is True else math.floor(maximum))
    if number(exclusive_min) is not None:
        lows.append(math.floor(exclusive_min) + 1)
    if number(exclusive_max) is not None:
        highs.append(math.ceil(exclusive_max) - 1)
    return (max(lows) if lows else None, min(highs) if highs else None)


@pytest.mark.rule(10)
def test_openapi_documents_where_each_parameter_lives(client):
    """/openapi.json lists skip, limit, q and tag as query parameters with their bounds, and the path parameters' types."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    document = response.json()
    paths = document.get("paths", {})

    def parameters(path: str) -> dict[str, dict]:
        operation = paths.get(path, {}).get("get")
        assert operation, f"GET /openapi.json → expected GET {path} in paths, got {sorted(paths)}"
        return {p.get("name"): p for p in operation.get("parameters", []) if isinstance(p, dict)}

    items = parameters("/items")
    for name in ("skip", "limit", "q", "tag"):
        parameter = items.get(name, {})
        assert parameter.get("in") == "query" and not parameter.get("required"), (
            f"GET /openapi.json → expected {name} as an optional query parameter of GET /items, got {parameter or 'nothing'}"
        )
    skip = _resolve(items["skip"].get("schema", {}), document)
    limit = _resolve(items["limit"].get("schema", {}), document)
    q = _resolve(items["q"].get("schema", {}), document)
    tag = _resolve(items["tag"].get("schema", {}), document)
    assert (skip.get("type"), integer_bounds(skip), skip.get("default")) == ("integer", (0, None), 0), (
        f"GET /openapi.json → expected skip as an integer from 0 up, default 0; got {skip}"
    )
    assert (limit.get("type"), integer_bounds(limit), limit.get("default")) == ("integer", (1, 20), 10), (
        f"GET /openapi.json → expected limit as an integer from 1 to 20, default 10; got {limit}"
    )
    assert q.get("type") == "string", f"GET /openapi.json → expected q as a string, got {q}"
    tag_items = _resolve(tag.get("items", {}), document)
    assert tag.get("type") == "array" and tag_items.get("type") == "string", (
        f"GET /openapi.json → expected tag as an array of strings (a repeatable parameter), got {tag}"
    )

    user_id = parameters("/users/{user_id}").get("user_id", {})
    assert user_id.get("in") == "path" and _resolve(user_id.get("schema", {}), document).get("type") == "integer", (
        f"GET /openapi.json → expected user_id as an integer path parameter, got {user_id or 'nothing'}"
    )
    model_name = parameters("/models/{model_name}").get("model_name", {})
    allowed = _resolve(model_name.get("schema", {}), document).get("enum")
    assert model_name.get("in") == "path" and sorted(allowed or []) == sorted(MODELS), (
        f"GET /openapi.json → expected model_name as a path parameter allowing {list(MODELS)}, got {allowed}"
    )
