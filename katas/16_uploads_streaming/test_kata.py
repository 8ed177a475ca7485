"""Kata 16 · Uploads and streaming: an upload limit enforced while the body arrives, a CSV streamed as it is made.

Small uploads go through the `client` fixture. The two behaviours that only a real server shows
run under Uvicorn, from right beside it (the kata's probes.py), so both grading modes measure the
same: a 128 MiB upload sent as fast as the server reads it, on a raw socket that watches for
the answer while it sends, and a streamed response whose pieces are timed as they arrive.

Measured on this 2-core machine at load averages 1 to 10: an app that stops at the limit
answered 413 after 0.3-2.3 MiB of the 128 MiB, its peak memory 1-3 MiB above where it started;
one that checks the size after FastAPI parsed the form answered after all 128 MiB (5-7 s); one
that reads the file whole, after 128 MiB with 130 MiB more memory. Streamed, the line of reading
1 arrived 0.8 s before the line of reading 5; buffered, both at once.
"""

import hashlib
import json

import pytest

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
READING_DELAY = 0.2

FLOOD_BYTES = 128 * 1024 * 1024
FLOOD_SENT_LIMIT = 64 * 1024 * 1024  # stopping at the limit: 0.3-2.3 MiB sent; reading it all: 128 MiB
MEMORY_LIMIT_KIB = 32 * 1024  # peak memory growth: 1-3 MiB measured when streamed; 130 MiB read whole
STREAM_COUNT = 5
STREAM_SPREAD = (STREAM_COUNT - 2) * READING_DELAY  # reading 1 → reading 5: 0.8 s streamed, 0 s buffered
STREAM_SPREAD_MAX = (STREAM_COUNT + 1) * READING_DELAY  # and no slower: 0.80-0.85 s measured


def png(size: int) -> bytes:
    """A file of ``size`` bytes that starts like a PNG."""
    return (PNG + bytes(range(256)) * (size // 256 + 1))[:size]


def reading(number: int) -> str:
    """The CSV line of reading ``number``, as fetch_readings() in the stub makes it."""
    return f"{number},s-{number % 3},{18 + (number * 7 % 10) / 4}"


def upload(client, name: str, content: bytes, content_type: str):
    return client.post("/upload", files={"file": (name, content, content_type)})


def parsed(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def check_accepted(response, sent: str, name: str, content: bytes, content_type: str) -> None:
    assert response.status_code == 201, f"{sent} → expected 201, got {response.status_code}: {response.text[:200]}"
    want = {"filename": name, "content_type": content_type, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    assert parsed(response.text) == want, f"{sent} → expected {want}, got {response.text[:300]}"


def check_refused(response, sent: str, status: int) -> None:
    assert response.status_code == status, f"{sent} → expected {status}, got {response.status_code}: {response.text[:200]}"


# -- POST /upload ------------------------------------------------------------------------------------


@pytest.mark.rule(1)
def test_upload_answers_size_and_sha256(client):
    """POST /upload with a PNG answers 201 with its filename, content type, size and SHA-256."""
    content = png(5000)
    check_accepted(upload(client, "cat.png", content, "image/png"), "POST /upload cat.png (5000 bytes)", "cat.png", content, "image/png")


@pytest.mark.rule(1)
def test_upload_without_a_file_answers_422(client):
    """POST /upload with no file field answers 422 naming body → file."""
    response = client.post("/upload", data={"note": "no file here"})
    assert response.status_code == 422, f"POST /upload without a file → expected 422, got {response.status_code}: {response.text[:200]}"
    body = parsed(response.text)
    locations = [error.get("loc") for error in body.get("detail", [])] if isinstance(body, dict) else []
    assert ["body", "file"] in locations, f"POST /upload without a file → expected an error at ['body', 'file'], got {response.text[:200]}"


@pytest.mark.rule(2)
def test_other_content_types_answer_415(client):
    """POST /upload with a GIF, a PDF or text answers 415 Unsupported Media Type."""
    for name, content, content_type in (
        ("anim.gif", b"GIF89a" + bytes(100), "image/gif"),
        ("doc.pdf", b"%PDF-1.7\n" + bytes(100), "application/pdf"),
        ("note.txt", b"hello", "text/plain"),
    ):
        check_refused(upload(client, name, content, content_type), f"POST /upload {name} ({content_type})", 415)


@pytest.mark.rule(2, 3)
def test_jpeg_is_accepted(client):
    """POST /upload with a JPEG answers 201 too."""
    content = JPEG + b"\xe0" + bytes(range(200))
    check_accepted(upload(client, "photo.jpg", content, "image/jpeg"), "POST /upload photo.jpg", "photo.jpg", content, "image/jpeg")


@pytest.mark.rule(3)
def test_content_must_match_its_declared_type(client):
    """A file whose first bytes are not those of its declared type answers 415, whatever its label."""
    for name, content, content_type in (
        ("fake.png", b"<?php echo 'hi'; ?>", "image/png"),
        ("swapped.jpg", png(500), "image/jpeg"),
        ("swapped.png", JPEG + bytes(500), "image/png"),
    ):
        check_refused(upload(client, name, content, content_type), f"POST /upload {name} labelled {content_type}", 415)


@pytest.mark.rule(4)
def test_a_file_of_exactly_the_limit_is_accepted(client):
    """A PNG of exactly MAX_UPLOAD_BYTES (2 MiB) is accepted: 201 with its size and SHA-256."""
    content = png(MAX_UPLOAD_BYTES)
    sent = f"POST /upload of {MAX_UPLOAD_BYTES} bytes"
    check_accepted(upload(client, "big.png", content, "image/png"), sent, "big.png", content, "image/png")


@pytest.mark.rule(4)
def test_one_byte_over_the_limit_answers_413(client):
    """A PNG of MAX_UPLOAD_BYTES + 1 bytes answers 413 Content Too Large."""
    response = upload(client, "big.png", png(MAX_UPLOAD_BYTES + 1), "image/png")
    check_refused(response, f"POST /upload of {MAX_UPLOAD_BYTES + 1} bytes", 413)


# The test asks for `learner` before `serve`: fixtures are torn down in reverse, and in classroom
# mode the learner's session must end after the servers are stopped, not before.
@pytest.mark.rule(5)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(90)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_huge_upload_is_refused_while_it_arrives(learner, serve, framing):
    """Under Uvicorn, a 128 MiB upload gets its 413 before half of it is sent, memory kept low."""
    server = serve()
    flood = learner.probe(
        "flood_upload", server.port, server.process.pid, "/upload", FLOOD_BYTES, framing == "chunked", PNG.hex(), "image/png"
    )
    sent = f"Uvicorn: POST /upload of 128 MiB ({framing})"
    assert flood["status"] is not None, f"{sent} → no answer: {flood['error']}"
    assert flood["status"] == 413, f"{sent} → expected 413, got {flood['head'].splitlines()[0]}"
    mib = flood["sent"] / 2**20
    assert flood["sent"] <= FLOOD_SENT_LIMIT, (
        f"{sent} → the 413 came after {mib:.0f} MiB were sent (limit {FLOOD_SENT_LIMIT // 2**20} MiB): the app read"
        " the whole body first. Count the bytes as they arrive (max_body_size, or a limit on request.stream())"
    )
    before, after = flood["memory_before_kib"], flood["memory_after_kib"]
    if before is not None and after is not None:
        grew = (after - before) / 1024
        assert after - before <= MEMORY_LIMIT_KIB, (
            f"{sent} → the server's peak memory grew by {grew:.0f} MiB (limit {MEMORY_LIMIT_KIB // 1024} MiB):"
            " the upload was held in memory. Read it in chunks"
        )


# -- GET /readings -----------------------------------------------------------------------------------


@pytest.mark.rule(6)
def test_readings_come_as_csv(client):
    """GET /readings?count=3 answers 200 text/csv: the header line, then readings 1 to 3."""
    response = client.get("/readings", params={"count": 3})
    assert response.status_code == 200, f"GET /readings?count=3 → expected 200, got {response.status_code}: {response.text[:200]}"
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "text/csv", (
        f"GET /readings?count=3 → expected content-type text/csv, got {content_type!r}"
    )
    want = "id,sensor,celsius\n" + "".join(reading(n) + "\n" for n in (1, 2, 3))
    assert response.text == want, f"GET /readings?count=3 → expected {want!r}, got {response.text[:300]!r}"


@pytest.mark.rule(6)
def test_readings_are_an_attachment(client):
    """GET /readings names its download: Content-Disposition: attachment; filename="readings.csv"."""
    response = client.get("/readings", params={"count": 1})
    disposition = response.headers.get("content-disposition", "")
    assert disposition.replace(" ", "") == 'attachment;filename="readings.csv"', (
        f"GET /readings?count=1 → expected Content-Disposition 'attachment; filename=\"readings.csv\"', got {disposition!r}"
    )


@pytest.mark.rule(7)
def test_count_defaults_to_5(client):
    """GET /readings without count streams 5 readings."""
    response = client.get("/readings")
    lines = response.text.splitlines()
    assert response.status_code == 200 and lines[1:] == [reading(n) for n in range(1, 6)], (
        f"GET /readings → expected 200 and readings 1 to 5 after the header, got {response.status_code}: {response.text[:300]!r}"
    )


@pytest.mark.rule(7)
def test_count_out_of_range_answers_422(client):
    """GET /readings with count 0, 101 or "many" answers 422 naming query → count."""
    for count in ("0", "101", "many"):
        response = client.get("/readings", params={"count": count})
        assert response.status_code == 422, f"GET /readings?count={count} → expected 422, got {response.status_code}: {response.text[:200]}"
        body = parsed(response.text)
        locations = [error.get("loc") for error in body.get("detail", [])] if isinstance(body, dict) else []
        assert ["query", "count"] in locations, f"GET /readings?count={count} → expected an error at ['query', 'count'], got {response.text[:200]}"


@pytest.mark.rule(7)
def test_docs_show_the_count_limits(client):
    """/openapi.json keeps the title "Kata Uploads and Streaming" and shows count: 1 to 100, default 5."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    openapi = response.json()
    title = openapi.get("info", {}).get("title")
    assert title == "Kata Uploads and Streaming", f"GET /openapi.json → expected the stub's title 'Kata Uploads and Streaming', got {title!r}"
    parameters = openapi.get("paths", {}).get("/readings", {}).get("get", {}).get("parameters", [])
    count = next((p.get("schema", {}) for p in parameters if p.get("name") == "count" and p.get("in") == "query"), {})
    found = {key: count.get(key) for key in ("minimum", "maximum", "default")}
    assert found == {"minimum": 1, "maximum": 100, "default": 5}, (
        f"GET /openapi.json → expected GET /readings's query parameter count with minimum 1, maximum 100, default 5, got {found}"
    )


def arrival(pieces: list, line: str) -> float | None:
    """When ``line`` had arrived whole: the time of the piece that completed it."""
    text = ""
    for seconds, piece in pieces:
        text += piece
        if f"\n{line}\n" in text:
            return seconds
    return None


@pytest.mark.rule(6)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(30)
def test_each_line_is_sent_as_soon_as_it_is_made(learner, serve):
    """Under Uvicorn, the line of reading 1 arrives well before reading 5 is even produced."""
    server = serve()
    path = f"/readings?count={STREAM_COUNT}"
    timing = learner.probe("stream_timing", server.port, path)
    assert "error" not in timing, f"Uvicorn: GET {path} → {timing.get('error')}"
    assert timing["status"] == 200, f"Uvicorn: GET {path} → expected 200, got {timing['status']}"
    first, last = arrival(timing["pieces"], reading(1)), arrival(timing["pieces"], reading(STREAM_COUNT))
    text = "".join(piece for _, piece in timing["pieces"])
    assert first is not None and last is not None, f"Uvicorn: GET {path} → expected readings 1 to {STREAM_COUNT}, got {text[:300]!r}"
    assert timing["seconds"] >= STREAM_COUNT * READING_DELAY - 0.05, (
        f"Uvicorn: GET {path} took {timing['seconds']:.2f} s, but fetch_readings() waits {READING_DELAY:g} s per reading"
        " (was READING_DELAY changed?)"
    )
    assert last - first >= STREAM_SPREAD, (
        f"Uvicorn: GET {path} → reading 1 arrived {last - first:.2f} s before reading {STREAM_COUNT} (expected at least"
        f" {STREAM_SPREAD:.1f} s): the lines were collected first, then sent. Yield each line to a StreamingResponse"
    )
    assert last - first <= STREAM_SPREAD_MAX, (
        f"Uvicorn: GET {path} → reading 1 arrived {last - first:.2f} s before reading {STREAM_COUNT}, expected about"
        f" {(STREAM_COUNT - 1) * READING_DELAY:.1f} s (was READING_DELAY changed?)"
    )
