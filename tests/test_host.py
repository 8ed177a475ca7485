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


ECHO_APP = textwrap.dedent(
    """
    import asyncio
    from fastapi import FastAPI, WebSocket, WebSocketDisconnect

    app = FastAPI()
    heard = []

    @app.websocket("/echo")
    async def echo(websocket: WebSocket, token: str = ""):
        if token != "ok":
            await websocket.close(code=1008)
            return
        await websocket.accept()
        try:
            while True:
                await websocket.send_text("echo " + await websocket.receive_text())
        except WebSocketDisconnect as gone:
            heard.append(gone.code)

    @app.websocket("/later")
    async def later(websocket: WebSocket):
        await websocket.accept()
        await websocket.receive_text()
        await asyncio.sleep(0.3)
        try:
            await websocket.send_text("late")
        except WebSocketDisconnect as gone:
            heard.append(gone.code)

    @app.websocket("/silent")
    async def silent(websocket: WebSocket):
        await asyncio.sleep(60)

    @app.websocket("/crash")
    async def crash(websocket: WebSocket):
        raise ValueError("no")

    @app.get("/heard")
    def read_heard():
        return heard
    """
)


def perform(host: Host, op: str, **args: object) -> object:
    answer = host.answer({"op": op, "args": args}, io.BytesIO())
    assert "ok" in answer, answer
    return answer["ok"]


def test_a_websocket_to_the_app_is_a_few_plain_operations(tmp_path: Path) -> None:
    stub = tmp_path / "stub.py"
    stub.write_text(ECHO_APP)
    host = Host(stub, None)
    try:
        perform(host, "begin", env={}, unset=[])
        perform(host, "open_client")
        refused = perform(host, "ws_open", path="/echo", headers={}, timeout=2.0)
        assert refused["event"] == {"type": "close", "code": 1008, "reason": ""}
        opened = perform(host, "ws_open", path="/echo?token=ok", headers={}, timeout=2.0)
        assert opened["event"] == {"type": "accept"}
        socket = opened["socket"]
        assert perform(host, "ws_send", socket=socket, text="hi") == {}
        assert perform(host, "ws_receive", socket=socket, timeout=2.0) == {"type": "text", "data": "echo hi"}
        perform(host, "ws_close", socket=socket, code=1001, timeout=2.0)
        heard = decode_response(perform(host, "http", method="GET", url="/heard", headers=[], body=""), httpx.Request("GET", "http://t/heard"))
        assert heard.json() == [1001]
    finally:
        host.end()


def test_every_wait_on_an_app_websocket_is_capped(tmp_path: Path) -> None:
    stub = tmp_path / "stub.py"
    stub.write_text(ECHO_APP)
    host = Host(stub, None)
    try:
        perform(host, "begin", env={}, unset=[])
        perform(host, "open_client")
        assert perform(host, "ws_open", path="/silent", headers={}, timeout=0.3)["event"] == {"type": "timeout"}
        crashed = perform(host, "ws_open", path="/crash", headers={}, timeout=2.0)["event"]
        assert crashed["type"] == "returned" and "ValueError: no" in crashed["error"]
        socket = perform(host, "ws_open", path="/echo?token=ok", headers={}, timeout=2.0)["socket"]
        assert perform(host, "ws_receive", socket=socket, timeout=0.3) == {"type": "timeout"}
    finally:
        host.end()  # closes what is still open, the silent handler included


def test_a_dropped_app_websocket_fails_the_apps_next_send(tmp_path: Path) -> None:
    """Like a server that knows the client is gone before the handler has read its disconnect."""
    stub = tmp_path / "stub.py"
    stub.write_text(ECHO_APP)
    host = Host(stub, None)
    try:
        perform(host, "begin", env={}, unset=[])
        perform(host, "open_client")
        socket = perform(host, "ws_open", path="/later", headers={}, timeout=2.0)["socket"]
        perform(host, "ws_send", socket=socket, text="go")
        perform(host, "ws_drop", socket=socket)  # before the app answers, 0.3 s later
        assert perform(host, "ws_send", socket=socket, text="more")["type"] == "close"
        assert perform(host, "ws_receive", socket=socket, timeout=2.0) == {"type": "returned", "error": ""}
        heard = decode_response(perform(host, "http", method="GET", url="/heard", headers=[], body=""), httpx.Request("GET", "http://t/heard"))
        assert heard.json() == [1006]  # Starlette turns the OSError of the send into WebSocketDisconnect(1006)
    finally:
        host.end()


def test_a_websocket_to_a_server_in_the_host_uses_a_real_client(tmp_path: Path) -> None:
    stub = tmp_path / "stub.py"
    stub.write_text(ECHO_APP)
    host = Host(stub, None)
    try:
        perform(host, "begin", env={}, unset=[])
        server = perform(host, "serve_start", command=None, env={}, cwd=None, ready_path="/heard", timeout=20.0)
        refused = perform(host, "serve_ws_open", id=server["id"], path="/echo", headers={}, timeout=5.0)
        assert refused["event"] == {"type": "refused", "status": 403}
        socket = perform(host, "serve_ws_open", id=server["id"], path="/echo?token=ok", headers={}, timeout=5.0)["socket"]
        perform(host, "serve_ws_send", id=server["id"], socket=socket, text="hi")
        assert perform(host, "serve_ws_receive", id=server["id"], socket=socket, timeout=5.0) == {"type": "text", "data": "echo hi"}
        perform(host, "serve_ws_drop", id=server["id"], socket=socket)
        after = perform(host, "serve_ws_receive", id=server["id"], socket=socket, timeout=5.0)
        assert after["type"] == "close" and after["code"] == 1006
    finally:
        host.end()
