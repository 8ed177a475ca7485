"""Kata 15 probes: the course's own code that runs beside the learner's app (never a learner file).

They run where the app lives (the test's process for a learner's pytest, the host process for
`kata grade`): they write the model file the app reads, make requests through a client whose
lifespan has not run or that the test starts and stops, and time requests to a real Uvicorn
server from right beside it. They report what happened as plain data; the tests decide.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from graders.host.loader import describe_exception, display_path
from graders.host.session import LearnerError

LIFESPAN = "started_lifespan"


# -- the model file -------------------------------------------------------------------------------


def write_model(context: Any, path: str, model: dict[str, Any]) -> None:
    """Write ``model`` as the JSON model file at ``path`` (the test names a folder the app can read)."""
    Path(path).write_text(json.dumps(model, indent=2), encoding="utf-8")


def remove_model(context: Any, path: str) -> None:
    """Delete the model file: an app that reads it per request can no longer do so."""
    Path(path).unlink(missing_ok=True)


# -- HTTP through clients the test controls ---------------------------------------------------------


def _app(context: Any) -> Any:
    app = context.app
    if app is None:
        raise LearnerError(f"{display_path(context.kata_file)} defines no `app`")
    if not callable(app):
        raise LearnerError(f"`app` in {display_path(context.kata_file)} is not an ASGI app")
    return app


def _request(context: Any, client: Any, method: str, path: str, json_body: Any) -> dict[str, Any]:
    try:
        response = client.request(method, path, json=json_body)
    except Exception as exc:  # noqa: BLE001 - what the app raised is reported, the test decides
        return {"error": f"{context.location(exc)}{describe_exception(exc)}"}
    return {"status": response.status_code, "text": response.text}


def request_without_startup(context: Any, method: str, path: str, json_body: Any = None) -> dict[str, Any]:
    """One request through a new TestClient used without `with`: the lifespan never runs."""
    from starlette.testclient import TestClient

    return _request(context, TestClient(_app(context), raise_server_exceptions=False), method, path, json_body)


def start_lifespan(context: Any) -> dict[str, Any]:
    """Enter a new TestClient (the lifespan's startup runs); {"error": …} when the startup raised."""
    from starlette.testclient import TestClient

    stop_lifespan(context)
    client = TestClient(_app(context), raise_server_exceptions=False)
    try:
        client.__enter__()
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{context.location(exc)}{describe_exception(exc)}"}
    context.state[LIFESPAN] = client
    return {}


def request_in_lifespan(context: Any, method: str, path: str, json_body: Any = None) -> dict[str, Any]:
    """One request through the client `start_lifespan` entered."""
    client = context.state.get(LIFESPAN)
    if client is None:
        return {"error": "no lifespan was started"}
    return _request(context, client, method, path, json_body)


def stop_lifespan(context: Any) -> dict[str, Any]:
    """Leave the client `start_lifespan` entered: the lifespan's shutdown runs. {} when none was started."""
    client = context.state.pop(LIFESPAN, None)
    if client is None:
        return {}
    try:
        client.__exit__(None, None, None)
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{context.location(exc)}{describe_exception(exc)}"}
    return {}


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) process ``pid`` has used so far, where /proc tells it (Linux)."""
    try:
        fields = Path(f"/proc/{int(pid)}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


# -- timed requests to a real server, sent from beside it -------------------------------------------
#
# Sent from the judge through `server.async_client()`, each request would be forwarded by the
# host, which costs as much as the margins measured here (kata 06 says how much), so the lag
# probe runs on the server's own loopback, as a learner's pytest does, and reports timings.


async def _timed(client: Any, method: str, path: str, body: Any = None) -> dict[str, Any]:
    import httpx

    start = time.perf_counter()
    try:
        response = await client.request(method, path, json=body)
    except httpx.TimeoutException:
        return {"path": path, "timed_out": True, "seconds": time.perf_counter() - start}
    return {"path": path, "status": response.status_code, "text": response.text, "seconds": time.perf_counter() - start}


def lag_probe(
    context: Any, port: int, pid: int, ping: str, predict: str, body: Any, count: int, pause: float, timeout: float = 30.0
) -> dict[str, Any]:
    """An event-loop lag probe: GET ``ping`` on the idle server; open ``count`` + 1 keep-alive
    connections; send ``count`` POST ``predict`` with ``body`` at once and, 0.05 s later (every
    prediction has arrived by then), GET ``ping`` over and over (``pause`` seconds apart) until every
    prediction is back. Every answer: {"path", "status", "text", "seconds"} or {"path", "timed_out", "seconds"};
    "cpu_seconds": the CPU time the server process ``pid`` used meanwhile (None where /proc is missing).
    """
    import httpx

    async def run() -> dict[str, Any]:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{int(port)}", timeout=timeout, limits=limits, verify=False) as client:
            idle = await _timed(client, "GET", ping)
            if idle.get("timed_out"):
                return {"idle": idle, "predictions": [], "pings": [], "cpu_seconds": None}
            # Warm connections: the predictions arrive together, not one TCP handshake after another.
            await asyncio.gather(*(client.get(ping) for _ in range(count + 1)))
            cpu_before = cpu_seconds(pid)
            pending = [asyncio.create_task(_timed(client, "POST", predict, body)) for _ in range(count)]
            await asyncio.sleep(0.05)
            pings = []
            while not all(task.done() for task in pending):
                answer = await _timed(client, "GET", ping)
                pings.append(answer)
                if answer.get("timed_out"):
                    break
                await asyncio.sleep(pause)
            predictions = list(await asyncio.gather(*pending))
            cpu_after = cpu_seconds(pid)
            used = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            return {"idle": idle, "predictions": predictions, "pings": pings, "cpu_seconds": used}

    return asyncio.run(run())
