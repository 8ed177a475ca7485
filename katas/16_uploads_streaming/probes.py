"""Kata 16 probes: the course's own code that runs beside the learner's app (never a learner file).

Both probes talk to a real Uvicorn server from right beside it (the test's process for a
learner's pytest, the host process for `kata grade`) and report what happened as plain data;
the tests decide. `flood_upload` needs a raw socket: it must go on reading while it sends, to
see the moment a 413 comes back, which an HTTP client that first sends the whole body cannot.
`stream_timing` notes when each piece of a streamed response arrives.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BOUNDARY = "kata16boundary"
BLOCK = 64 * 1024


def peak_memory_kib(pid: int) -> int | None:
    """The peak resident memory (VmHWM) of process ``pid`` in KiB, where /proc tells it (Linux)."""
    try:
        for line in Path(f"/proc/{int(pid)}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _multipart(total: int, signature: bytes, content_type: str) -> tuple[bytes, Iterator[bytes], bytes]:
    """The parts of a multipart body holding one file of ``total`` bytes that starts with ``signature``."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"flood.bin\"\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def blocks() -> Iterator[bytes]:
        first = (signature + bytes(BLOCK))[:BLOCK]
        left = total
        block = first
        while left > 0:
            piece = block[: min(left, BLOCK)]
            yield piece
            left -= len(piece)
            block = bytes(BLOCK) if block is first else block

    return head, blocks(), tail


def flood_upload(
    context: Any, port: int, pid: int, path: str, total: int, chunked: bool, signature_hex: str, content_type: str,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """POST ``path`` a multipart body with one file of ``total`` bytes, as fast as the server reads it,
    with a Content-Length or (``chunked``) without one, reading the socket all along and stopping at
    the first answer. Reports {"status", "head", "sent", "body_bytes", "seconds", "error",
    "memory_before_kib", "memory_after_kib"}: "sent" counts the bytes of the body (chunk framing
    included) sent before the answer came; the memory figures are the server's peak (VmHWM), or
    None where /proc is missing.
    """
    head, blocks, tail = _multipart(total, bytes.fromhex(signature_hex), content_type)
    body_bytes = len(head) + total + len(tail)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{int(port)}", f"Content-Type: multipart/form-data; boundary={BOUNDARY}"]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}")

    def wire() -> Iterator[bytes]:
        for piece in (head, *blocks, tail):
            yield (b"%x\r\n" % len(piece) + piece + b"\r\n") if chunked else piece
        if chunked:
            yield b"0\r\n\r\n"

    before = peak_memory_kib(pid)
    sent, answer, error = 0, b"", None
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", int(port)), timeout=timeout) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BLOCK)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        source, pending = wire(), b""
        while b"\r\n\r\n" not in answer:
            if not pending:
                pending = next(source, b"")
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], timeout)
            if not readable and not writable:
                error = f"nothing happened for {timeout:g} s"
                break
            if readable:
                try:
                    data = sock.recv(BLOCK)
                except OSError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    break
                if not data:
                    error = "the server closed the connection without an answer"
                    break
                answer += data
            elif pending:
                try:
                    count = sock.send(pending)
                except OSError as exc:  # the server stopped reading: its answer may be waiting
                    error, pending = f"{type(exc).__name__}: {exc}", b""
                    source = iter(())
                    continue
                sent += count
                pending = pending[count:]
    seconds = time.perf_counter() - started
    time.sleep(0.2)  # a server that goes on reading after it answered shows it in its peak memory
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ")
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return {
        "status": status, "head": answer[:300].decode("latin-1"), "sent": sent, "body_bytes": body_bytes,
        "seconds": seconds, "error": error if status is None else None,
        "memory_before_kib": before, "memory_after_kib": peak_memory_kib(pid),
    }


def stream_timing(context: Any, port: int, path: str, timeout: float = 20.0) -> dict[str, Any]:
    """GET ``path`` and note when each piece of the body arrives: {"status", "headers", "pieces":
    [[seconds since the request was sent, text], ...], "seconds"} or {"error"}."""
    import httpx

    pieces: list[list[Any]] = []
    try:
        # Plain HTTP on loopback: no certificates to load, and the clock starts with the request.
        with httpx.Client(base_url=f"http://127.0.0.1:{int(port)}", timeout=timeout, verify=False) as client:
            started = time.perf_counter()
            with client.stream("GET", path) as response:
                for data in response.iter_raw():
                    pieces.append([time.perf_counter() - started, data.decode("utf-8", "replace")])
    except httpx.HTTPError as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "pieces": pieces}
    return {
        "status": response.status_code, "headers": [[k, v] for k, v in response.headers.items()],
        "pieces": pieces, "seconds": time.perf_counter() - started,
    }
