"""The host process's protocol: answers found among junk, bodies as sent, a vanished host said plainly."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import httpx
import pytest

from graders.host.server import Host
from graders.host.session import LearnerError
from graders.judge.channel import MAX_ANSWER, HostGone, decode_response, receive

GZIP_APP = textwrap.dedent(
    """
    from fastapi import FastAPI
    from fastapi.middleware.gzip import GZipMiddleware

    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=10)

    @app.get("/big")
    def big():
        return {"text": "x" * 2000}
    """
)


def test_a_gzip_body_reaches_the_test_as_the_app_sent_it(tmp_path: Path) -> None:
    stub = tmp_path / "stub.py"
    stub.write_text(GZIP_APP)
    host = Host(stub, None)
    reader = io.BytesIO()
    try:
        assert host.answer({"op": "begin", "args": {"env": {}, "unset": []}}, reader) == {"ok": None}
        assert host.answer({"op": "open_client", "args": {}}, reader) == {"ok": None}
        args = {"method": "GET", "url": "/big", "headers": [["accept-encoding", "gzip"]], "body": ""}
        answer = host.answer({"op": "http", "args": args}, reader)["ok"]
    finally:
        host.end()
    response = decode_response(answer, httpx.Request("GET", "http://testserver/big"))
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"text": "x" * 2000}


def lines(*chunks: bytes):
    stream = io.BytesIO(b"".join(chunks))
    return stream.readline


def test_junk_the_learners_code_writes_into_the_socket_only_delays_the_answer() -> None:
    forged = json.dumps({"format_version": 1, "katas": []}).encode()
    readline = lines(forged * 3, b"\n", b"not json\n", b'{"id": 6, "ok": "stale"}\n', b'\n{"id": 7, "ok": 42}\n')
    assert receive(readline, 7) == 42


def test_an_error_answer_is_the_error_learner_mode_raises() -> None:
    readline = lines(b'{"id": 1, "error": {"kind": "learner", "message": "stub.py:3: ValueError: no"}}\n')
    with pytest.raises(LearnerError, match="stub.py:3: ValueError: no"):
        receive(readline, 1)


def test_a_forwarded_timeout_is_raised_as_httpx_raises_it() -> None:
    readline = lines(b'{"id": 1, "error": {"kind": "transport", "type": "ReadTimeout", "message": "timed out"}}\n')
    with pytest.raises(httpx.ReadTimeout):
        receive(readline, 1)


def test_a_host_that_ends_mid_answer_is_one_plain_sentence() -> None:
    with pytest.raises(HostGone, match="process ended"):
        receive(lines(b"partial"), 1)


def test_an_endless_stream_of_junk_is_refused_not_read_forever() -> None:
    junk = (b"x" * 1_000_000 + b"\n") * (MAX_ANSWER // 1_000_000 + 2)
    with pytest.raises(LearnerError, match="far more"):
        receive(lines(junk), 1)
