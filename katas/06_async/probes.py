"""Kata 06 probes: the course's own code that runs beside the learner's app (never a learner file).

`blocking_io` is part of the kata's contract (README): the tests replace it in the learner's
module with a spy, to see whether GET /report calls it and on which thread. A spy has to live
where the app runs, so it is installed and read back here; the tests make the requests with
`client` and keep the verdict. Each call is recorded as plain data: the thread it ran on and
whether an event loop was running in that thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

SPIED = "blocking_io"


def _record_call(context: Any) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop_running = False
    else:
        loop_running = True
    thread = threading.current_thread()
    context.state.setdefault("calls", []).append(
        {"thread": thread.name, "thread_id": thread.ident, "main_thread": thread is threading.main_thread(), "loop_running": loop_running}
    )


def spy_on_blocking_io(context: Any, call_through: bool, pause: float = 0.0) -> dict[str, Any]:
    """Replace the module's `blocking_io` with a spy that records each call.

    With ``call_through`` the spy then calls the learner's own `blocking_io` (and its answer and
    duration are the real ones); without it, it blocks its thread for ``pause`` seconds and
    answers "report ready". Returns what the module held under the name before:
    {"found": bool, "callable": bool}.
    """
    module = context.module
    real = getattr(module, SPIED, None)
    context.state["calls"] = []
    if real is None or not callable(real):
        return {"found": hasattr(module, SPIED), "callable": False}

    def spy() -> Any:
        _record_call(context)
        if call_through:
            return real()
        time.sleep(pause)
        return "report ready"

    setattr(module, SPIED, spy)
    return {"found": True, "callable": True}


def blocking_io_calls(context: Any) -> list[dict[str, Any]]:
    """Every call the spy recorded since it was installed, in order."""
    return list(context.state.get("calls", []))


# -- timed requests to a real server, sent from beside it -------------------------------------------
#
# The timing tests measure what the event loop of a Uvicorn server does with requests that
# arrive together. Sent from the judge through `server.async_client()`, each request is
# forwarded by the host, which costs far more than the margins these tests work with on a
# loaded machine (see the kata's README), so they are sent from here, on the server's own
# loopback, exactly as a learner's pytest sends them, and only what happened comes back.


async def _timed_get(client: Any, path: str) -> dict[str, Any]:
    import httpx

    start = time.perf_counter()
    try:
        response = await client.get(path)
    except httpx.TimeoutException:
        return {"path": path, "timed_out": True, "seconds": time.perf_counter() - start}
    return {"path": path, "status": response.status_code, "text": response.text, "seconds": time.perf_counter() - start}


def _client(port: int, timeout: float) -> Any:
    """A client that opens as many connections as the probe sends requests at once."""
    import httpx

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{int(port)}", timeout=timeout, limits=limits)


def concurrent_gets(
    context: Any, port: int, path: str, count: int, first: str | None = None, connections: int = 0, timeout: float = 8.0
) -> dict[str, Any]:
    """GET ``first`` once (if given), open ``connections`` keep-alive connections (GET / at once),
    then send ``count`` GET ``path`` at once. Each answer ({"path", "status", "text", "seconds"} or
    {"path", "timed_out", "seconds"}) and the seconds the burst took, first request sent to last answer.
    """

    async def run() -> dict[str, Any]:
        async with _client(port, timeout) as client:
            answer = await _timed_get(client, first) if first is not None else None
            if answer is not None and answer.get("timed_out"):
                return {"first": answer, "answers": [], "seconds": None}
            await asyncio.gather(*(client.get("/") for _ in range(connections)))
            start = time.perf_counter()
            answers = await asyncio.gather(*(_timed_get(client, path) for _ in range(count)))
            return {"first": answer, "answers": list(answers), "seconds": time.perf_counter() - start}

    return asyncio.run(run())


def reports_under_lag_probe(
    context: Any, port: int, ping: str, slow: str, count: int, pause: float, timeout: float = 8.0
) -> dict[str, Any]:
    """An event-loop lag probe and a burst in one window: GET ``ping`` on the idle server, open
    ``count`` + 1 keep-alive connections, send ``count`` GET ``slow`` at once and, until they are all
    back, GET ``ping`` over and over. The idle ping, every ping, every slow answer, and the seconds the
    slow ones took together (first sent to last answered)."""

    async def run() -> dict[str, Any]:
        async with _client(port, timeout) as client:
            idle = await _timed_get(client, ping)
            if idle.get("timed_out"):
                return {"idle": idle, "slow": [], "pings": [], "seconds": None}
            await asyncio.gather(*(client.get("/") for _ in range(count + 1)))
            start = time.perf_counter()

            async def burst() -> tuple[list[dict[str, Any]], float]:
                answers = await asyncio.gather(*(_timed_get(client, slow) for _ in range(count)))
                return list(answers), time.perf_counter() - start

            pending = asyncio.create_task(burst())
            pings = []
            while not pending.done():
                answer = await _timed_get(client, ping)
                pings.append(answer)
                if answer.get("timed_out"):
                    break
                await asyncio.sleep(pause)
            answers, seconds = await pending
            return {"idle": idle, "slow": answers, "pings": pings, "seconds": seconds}

    return asyncio.run(run())


# -- a burst with every worker thread taken ---------------------------------------------------------
#
# Whether a route waits on the event loop or in a worker thread shows only when the threads run out.
# Starlette runs plain `def` routes (and run_in_threadpool) through anyio's default thread limiter
# (40 threads). Here the app runs in this probe's own event loop (a raw ASGI conversation through
# httpx's ASGITransport), the probe takes every thread of that loop's limiter itself, for
# ``hold`` seconds, and only then sends the burst: no guessing whether the threads were busy.


def burst_with_threads_taken(context: Any, path: str, count: int, threads: int, hold: float) -> dict[str, Any]:
    """Limit the loop's worker threads to ``threads``, keep all of them busy for ``hold`` seconds,
    then send ``count`` GET ``path`` at once to the app. Each answer (as ``concurrent_gets`` gives
    them) and the seconds the burst took."""
    import anyio.to_thread
    import httpx

    async def run() -> dict[str, Any]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = threads
        transport = httpx.ASGITransport(app=context.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kata", timeout=hold + 8) as client:
            warm = await _timed_get(client, path)
            # Each holder keeps its thread until the burst is over or ``hold`` has passed: a /io that
            # needs a thread still waits the whole ``hold``, a correct one lets the test end at once.
            released = threading.Event()
            holders = [asyncio.create_task(anyio.to_thread.run_sync(released.wait, hold)) for _ in range(threads)]
            while limiter.borrowed_tokens < threads:
                await asyncio.sleep(0.005)
            start = time.perf_counter()
            answers = await asyncio.gather(*(_timed_get(client, path) for _ in range(count)))
            seconds = time.perf_counter() - start
            released.set()
            await asyncio.gather(*holders)
        return {"first": warm, "answers": list(answers), "seconds": seconds}

    return asyncio.run(run())
