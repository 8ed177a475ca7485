"""Kata 08 · OpenAPI docs: what the schema says about the API, and where the docs are served.

The schema is read as parsed JSON (from /api/openapi.json, or /openapi.json until it moves) and
its `$ref`s are followed, so model names, inline schemas and every place FastAPI can put a
request example are all accepted. The docs pages are read as HTML.
"""

import re
from urllib.parse import urlsplit

import pytest

SCHEMA_URL = "/api/openapi.json"
EXAMPLE = {"title": "Dune", "author": "Frank Herbert", "year": 1965}
BOOK_ROUTES = [("get", "/books/{book_id}"), ("post", "/books")]
SUMMARIES = {("get", "/books/{book_id}"): "Read one book", ("post", "/books"): "Add a book"}
OLD_ADDRESSES = ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"]


# -- reading the schema ---------------------------------------------------------------------


def fetch_schema(client, url: str) -> dict:
    """GET `url`; fail with a readable message unless it answers 200 with a JSON OpenAPI document."""
    response = client.get(url)
    assert response.status_code == 200, (
        f"GET {url} → expected 200 with the OpenAPI schema, got {response.status_code}: {response.text[:200]}"
    )
    try:
        schema = response.json()
    except ValueError:
        pytest.fail(f"GET {url} → expected JSON, got {response.text[:200]!r}", pytrace=False)
    assert isinstance(schema, dict) and isinstance(schema.get("paths"), dict), (
        f"GET {url} → expected an OpenAPI document with paths, got {str(schema)[:200]}"
    )
    return schema


def get_schema(client) -> dict:
    """The schema from /api/openapi.json, or from /openapi.json while it has not been moved yet.

    Where the schema is served is graded on its own (the /api and old-address tests), so the
    other behaviours can be solved in any order.
    """
    if client.get(SCHEMA_URL).status_code != 200 and client.get("/openapi.json").status_code == 200:
        return fetch_schema(client, "/openapi.json")
    return fetch_schema(client, SCHEMA_URL)


def find_path(schema: dict, path: str) -> str | None:
    """The schema's key for `path`; /books/{book_id} matches whatever the parameter is called."""
    paths = schema.get("paths", {})
    if path in paths:
        return path
    pattern = "^" + re.sub(r"\\\{[^}]*\\\}", r"\\{[^/}]+\\}", re.escape(path)) + "$"
    return next((key for key in paths if re.match(pattern, key)), None)


def get_operation(schema: dict, method: str, path: str) -> dict:
    key = find_path(schema, path)
    operation = schema["paths"].get(key, {}).get(method) if key else None
    assert isinstance(operation, dict), (
        f"openapi.json → expected {method.upper()} {path} in paths, got {sorted(schema.get('paths', {}))}"
    )
    return operation


def resolve(schema: dict, node):
    """Follow local `$ref`s (#/components/schemas/Name) until a schema without one is reached."""
    for _ in range(20):
        if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
            return node
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        extra = {key: value for key, value in node.items() if key != "$ref"}
        node = {**target, **extra} if extra else target
    return node


def schema_examples(schema: dict, node, depth: int = 0) -> list:
    """Every example a JSON Schema gives: `examples`, `example`, those of allOf/anyOf/oneOf parts,
    and one object assembled from its properties' first examples (as Swagger UI does)."""
    node = resolve(schema, node)
    if not isinstance(node, dict) or depth > 8:
        return []
    found = []
    if isinstance(node.get("examples"), list):
        found += node["examples"]
    if "example" in node:
        found.append(node["example"])
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key) or []:
            found += schema_examples(schema, part, depth + 1)
    assembled = {}
    for name, prop in (node.get("properties") or {}).items():
        values = schema_examples(schema, prop, depth + 1)
        if values:
            assembled[name] = values[0]
    if assembled:
        found.append(assembled)
    return found


def request_examples(schema: dict) -> list:
    """Every example documented for the JSON body of POST /books, wherever FastAPI put it."""
    operation = get_operation(schema, "post", "/books")
    content = (operation.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    assert isinstance(media, dict), (
        f"openapi.json → expected POST /books to document a JSON request body, got {operation.get('requestBody')}"
    )
    found = []
    if "example" in media:
        found.append(media["example"])
    for named in (media.get("examples") or {}).values():
        if isinstance(named, dict) and "value" in named:
            found.append(named["value"])
    found += schema_examples(schema, media.get("schema"))
    return found


def has_type(schema: dict, node, kind: str) -> bool:
    """Does the JSON Schema `node` say `kind` ("string", "integer"), itself or through a part of it?"""
    node = resolve(schema, node)
    if not isinstance(node, dict):
        return False
    if node.get("type") == kind or (isinstance(node.get("type"), list) and kind in node["type"]):
        return True
    return any(has_type(schema, part, kind) for key in ("anyOf", "oneOf", "allOf") for part in node.get(key) or [])


def is_string_schema(schema: dict, node) -> bool:
    return has_type(schema, node, "string")


def documented_404(schema: dict) -> tuple[dict, dict | None]:
    """The 404 response of GET /books/{book_id} and its resolved JSON body schema."""
    operation = get_operation(schema, "get", "/books/{book_id}")
    responses = operation.get("responses") or {}
    response = responses.get("404")
    assert isinstance(response, dict), (
        f"openapi.json → expected a documented 404 on GET /books/{{book_id}}, got responses {sorted(responses)}"
    )
    media = (response.get("content") or {}).get("application/json") or {}
    return response, resolve(schema, media.get("schema"))


def json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def openapi_urls(page: str) -> set[str]:
    """The paths of every quoted URL ending in openapi.json that an HTML page mentions."""
    return {urlsplit(url).path for url in re.findall(r"""["']([^"'\s]*openapi\.json)["']""", page)}


def without_title(page: str) -> str:
    """The page minus its <title>, so a title cannot pass for the viewer the page loads."""
    return re.sub(r"<title>.*?</title>", "", page, flags=re.IGNORECASE | re.DOTALL)


def page_title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    return match.group(1).strip() if match else ""


# -- where the docs are served --------------------------------------------------------------


@pytest.mark.rule(1)
def test_schema_is_served_under_api(client):
    """GET /api/openapi.json answers 200 with the OpenAPI schema of the book API."""
    schema = fetch_schema(client, SCHEMA_URL)
    version = str(schema.get("openapi", ""))
    assert version.startswith("3."), f"GET {SCHEMA_URL} → expected an OpenAPI 3 document, got openapi={version!r}"
    for method, path in BOOK_ROUTES:
        get_operation(schema, method, path)


@pytest.mark.rule(2)
@pytest.mark.parametrize("old", OLD_ADDRESSES)
def test_old_address_answers_404(client, old):
    """Nothing is left at the old docs address: it answers 404."""
    response = client.get(old, follow_redirects=False)
    assert response.status_code == 404, (
        f"GET {old} → expected 404 now that the docs live under /api, got {response.status_code}: {response.text.strip()[:120]}"
    )


def check_docs_page(client, url: str, viewer: str, marker: str) -> None:
    """`url` is an HTML page that loads `viewer` (its `marker` outside the <title>), has a title
    naming Kata Library, and points the viewer at /api/openapi.json, which answers."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} → expected 200, got {response.status_code}: {response.text.strip()[:120]}"
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("text/html"), f"GET {url} → expected an HTML page, got content-type {content_type!r}"
    page = response.text
    assert marker in without_title(page).lower(), (
        f"GET {url} → expected a page that loads {viewer}, found no {marker!r} in it (outside its <title>)"
    )
    assert "Kata Library" in page_title(page), (
        f"GET {url} → expected a page title naming Kata Library, got {page_title(page)!r}"
    )
    urls = openapi_urls(page)
    assert SCHEMA_URL in urls and "/openapi.json" not in urls, (
        f"GET {url} → expected the page to load {SCHEMA_URL}, it names {sorted(urls) or 'no openapi.json'}"
    )
    schema = client.get(SCHEMA_URL)
    assert schema.status_code == 200, f"GET {url} → the page loads {SCHEMA_URL}, which answers {schema.status_code}"


@pytest.mark.rule(2)
def test_swagger_ui_oauth2_helper_is_off_or_under_api_docs(client):
    """Swagger UI's OAuth2 helper page is switched off, or served under /api/docs/ where the page points."""
    response = client.get("/api/docs")
    assert response.status_code == 200, (
        f"GET /api/docs → expected 200 with Swagger UI, got {response.status_code}: {response.text.strip()[:120]}"
    )
    named = re.findall(r"""oauth2RedirectUrl\s*:[^\n]*?["']([^"'\s]+)["']""", response.text)
    for url in named:
        path = urlsplit(url).path
        assert path.startswith("/api/docs/"), (
            f"GET /api/docs → Swagger UI's OAuth2 helper page is {path}: move it under /api/docs/ or switch it off"
        )
        helper = client.get(path)
        assert helper.status_code == 200, (
            f"GET /api/docs names the OAuth2 helper page {path}, which answers {helper.status_code}: "
            "serve it there or switch it off"
        )


@pytest.mark.rule(1)
def test_swagger_ui_is_served_at_api_docs(client):
    """GET /api/docs serves Swagger UI for "Kata Library", loading /api/openapi.json."""
    check_docs_page(client, "/api/docs", "Swagger UI", "swagger-ui")


@pytest.mark.rule(1)
def test_redoc_is_served_at_api_redoc(client):
    """GET /api/redoc serves ReDoc for "Kata Library", loading /api/openapi.json."""
    check_docs_page(client, "/api/redoc", "ReDoc", "redoc")


# -- what the schema says about the API -----------------------------------------------------


@pytest.mark.rule(3)
def test_info_names_and_versions_the_api(client):
    """The schema's info is titled "Kata Library", version "1.2.0"."""
    info = get_schema(client).get("info") or {}
    got = (info.get("title"), info.get("version"))
    assert got == ("Kata Library", "1.2.0"), (
        f"openapi.json → expected info title 'Kata Library' and version '1.2.0', got {got}"
    )


@pytest.mark.rule(3)
def test_info_describes_the_api(client):
    """The schema's info has a description of the API."""
    info = get_schema(client).get("info") or {}
    description = info.get("description")
    assert isinstance(description, str) and description.strip(), (
        f"openapi.json → expected a non-empty info.description, got {description!r}"
    )


@pytest.mark.rule(3)
def test_info_has_contact_and_license(client):
    """The schema's info names the contact "Kata Library team" (url or email) and the MIT license."""
    info = get_schema(client).get("info") or {}
    contact = info.get("contact") or {}
    assert contact.get("name") == "Kata Library team" and (contact.get("url") or contact.get("email")), (
        f"openapi.json → expected info.contact named 'Kata Library team' with a url or email, got {contact or None}"
    )
    license_info = info.get("license") or {}
    assert license_info.get("name") == "MIT", (
        f"openapi.json → expected info.license named 'MIT', got {license_info or None}"
    )


@pytest.mark.rule(3)
def test_license_gives_identifier_or_url(client):
    """The MIT license in the schema's info gives its SPDX identifier "MIT" or a url."""
    license_info = get_schema(client).get("info", {}).get("license") or {}
    assert license_info.get("name") == "MIT" and (license_info.get("identifier") == "MIT" or license_info.get("url")), (
        f"openapi.json → expected info.license named 'MIT' with identifier 'MIT' or a url, got {license_info or None}"
    )


@pytest.mark.rule(4)
def test_books_tag_has_a_description(client):
    """The schema lists the "books" tag with a description."""
    tags = get_schema(client).get("tags") or []
    books = next((tag for tag in tags if isinstance(tag, dict) and tag.get("name") == "books"), None)
    assert books is not None, f"openapi.json → expected a 'books' entry in the top-level tags, got {tags or None}"
    description = books.get("description")
    assert isinstance(description, str) and description.strip(), (
        f"openapi.json → expected the 'books' tag to have a description, got {books}"
    )


@pytest.mark.rule(4)
@pytest.mark.parametrize(("method", "path"), BOOK_ROUTES, ids=["GET /books/{book_id}", "POST /books"])
def test_book_route_is_tagged_books(client, method, path):
    """The route is tagged "books"."""
    operation = get_operation(get_schema(client), method, path)
    tags = operation.get("tags") or []
    assert "books" in tags, f"openapi.json → expected {method.upper()} {path} tagged 'books', got tags {tags}"


@pytest.mark.rule(5)
@pytest.mark.parametrize(("method", "path"), BOOK_ROUTES, ids=["GET /books/{book_id}", "POST /books"])
def test_book_route_has_summary_and_description(client, method, path):
    """The route has the README's summary and a description of its own."""
    operation = get_operation(get_schema(client), method, path)
    expected = SUMMARIES[(method, path)]
    assert operation.get("summary") == expected, (
        f"openapi.json → expected {method.upper()} {path} summary {expected!r}, got {operation.get('summary')!r}"
    )
    description = operation.get("description")
    assert isinstance(description, str) and description.strip(), (
        f"openapi.json → expected {method.upper()} {path} to have a description, got {description!r}"
    )


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_not_found_is_documented_with_a_model(client):
    """GET /books/{book_id} documents its 404: "Book not found", a JSON body with a string detail."""
    schema = get_schema(client)
    response, body = documented_404(schema)
    assert response.get("description") == "Book not found", (
        f"openapi.json → expected the 404 of GET /books/{{book_id}} described 'Book not found', got {response.get('description')!r}"
    )
    properties = (body or {}).get("properties") or {}
    assert "detail" in properties and is_string_schema(schema, properties["detail"]), (
        f"openapi.json → expected the 404 JSON body schema to have a string 'detail', got {body}"
    )


@pytest.mark.rule(6, 9)
def test_real_not_found_matches_the_documented_one(client):
    """GET /books/999 answers the documented 404 {"detail": "Book not found"}."""
    schema = get_schema(client)
    documented_404(schema)
    response = client.get("/books/999")
    assert response.status_code == 404, f"GET /books/999 → expected 404, got {response.status_code}: {response.text}"
    assert json_or_none(response) == {"detail": "Book not found"}, (
        f'GET /books/999 → expected {{"detail": "Book not found"}}, got {response.text}'
    )


@pytest.mark.rule(7)
@pytest.mark.points(2)
def test_post_books_documents_the_dune_example(client):
    """POST /books documents the request example {"title": "Dune", "author": "Frank Herbert", "year": 1965}."""
    found = request_examples(get_schema(client))
    assert EXAMPLE in found, (
        f"openapi.json → expected {EXAMPLE} among the request examples of POST /books, got {found or 'none'}"
    )


@pytest.mark.rule(7, 9)
def test_documented_example_is_accepted(client):
    """The documented Dune example, sent to POST /books twice, answers 201 with a new id each time; a missing or mistyped field 422."""
    found = request_examples(get_schema(client))
    assert EXAMPLE in found, (
        f"openapi.json → expected the Dune example documented for POST /books, got {found or 'none'}"
    )
    added = []
    for _ in range(2):
        response = client.post("/books", json=EXAMPLE)
        assert response.status_code == 201, (
            f"POST /books {EXAMPLE} (the documented example) → expected 201, got {response.status_code}: {response.text}"
        )
        book = json_or_none(response)
        assert isinstance(book, dict) and isinstance(book.get("id"), int) and book == {**EXAMPLE, "id": book["id"]}, (
            f"POST /books {EXAMPLE} → expected the book back with a numeric id, got {response.text}"
        )
        added.append(book)
    assert added[0]["id"] != added[1]["id"], f"POST /books twice → expected two new ids, got {added}"
    for book in added:
        fetched = client.get(f"/books/{book['id']}")
        assert fetched.status_code == 200 and json_or_none(fetched) == book, (
            f"GET /books/{book['id']} after POST /books → expected {book}, got {fetched.status_code}: {fetched.text}"
        )
    partial = {key: value for key, value in EXAMPLE.items() if key != "year"}
    response = client.post("/books", json=partial)
    assert response.status_code == 422, f"POST /books {partial} (no year) → expected 422, got {response.status_code}: {response.text}"
    for field, wrong in (("title", 1965), ("author", None), ("year", "nineteen sixty-five")):
        sent = {**EXAMPLE, field: wrong}
        response = client.post("/books", json=sent)
        assert response.status_code == 422, f"POST /books {sent} → expected 422, got {response.status_code}: {response.text}"


def whole_examples(schema: dict, media: dict) -> list:
    """The whole-body examples a JSON response documents: on the media type, or on its schema
    (and the allOf/anyOf/oneOf parts of it), not ones assembled from per-field examples."""
    found = []
    if "example" in media:
        found.append(media["example"])
    for named in (media.get("examples") or {}).values():
        if isinstance(named, dict) and "value" in named:
            found.append(named["value"])
    nodes = [media.get("schema")]
    for _ in range(20):
        if not nodes:
            break
        node = resolve(schema, nodes.pop())
        if not isinstance(node, dict):
            continue
        found += node["examples"] if isinstance(node.get("examples"), list) else []
        if "example" in node:
            found.append(node["example"])
        nodes += [part for key in ("allOf", "anyOf", "oneOf") for part in node.get(key) or []]
    return found


BOOK_TYPES = {"id": "integer", "title": "string", "author": "string", "year": "integer"}


@pytest.mark.rule(7, 9)
def test_documented_book_examples_have_an_id(client):
    """The returned book is documented whole (integer id and year, string title and author), and so is any example of it.

    Checked once the Dune request example is documented: a response model that inherits the
    request model's example would show a book without an id."""
    schema = get_schema(client)
    found = request_examples(schema)
    assert EXAMPLE in found, (
        f"openapi.json → expected the Dune example documented for POST /books, got {found or 'none'}"
    )
    body = resolve(schema, ((get_operation(schema, "post", "/books").get("requestBody") or {}).get("content") or {})
                   .get("application/json", {}).get("schema"))  # fmt: skip
    for field, kind in BOOK_TYPES.items():
        if field != "id":
            prop = ((body or {}).get("properties") or {}).get(field)
            assert has_type(schema, prop, kind), (
                f"openapi.json → expected the request body of POST /books to type {field} as {kind}, got {prop}"
            )
    for method, path, status in [("get", "/books/{book_id}", "200"), ("post", "/books", "201")]:
        response = (get_operation(schema, method, path).get("responses") or {}).get(status) or {}
        media = (response.get("content") or {}).get("application/json") or {}
        book = resolve(schema, media.get("schema"))
        for field, kind in BOOK_TYPES.items():
            prop = ((book or {}).get("properties") or {}).get(field)
            assert has_type(schema, prop, kind), (
                f"openapi.json → expected the {status} book of {method.upper()} {path} to type {field} as {kind}, got {prop}"
            )
        for example in whole_examples(schema, media):
            assert isinstance(example, dict) and set(example) == {"id", *EXAMPLE} and isinstance(example["id"], int), (
                f"openapi.json → expected every example of the {status} book of {method.upper()} {path} "
                f"to have title, author, year and an integer id, got {example}"
            )


@pytest.mark.rule(8)
@pytest.mark.points(2)
def test_health_works_but_is_hidden(client):
    """GET /health answers 200 {"status": "ok"} but is not in the schema."""
    response = client.get("/health")
    assert response.status_code == 200 and json_or_none(response) == {"status": "ok"}, (
        f'GET /health → expected 200 {{"status": "ok"}}, got {response.status_code}: {response.text}'
    )
    paths = get_schema(client).get("paths", {})
    assert "/health" not in paths, f"openapi.json → expected /health left out of the schema, got paths {sorted(paths)}"
