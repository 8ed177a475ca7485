"""Kata 06 · async def vs def: what blocks the event loop, measured on a real Uvicorn server.

The timing tests start the graded app under Uvicorn and send requests at the same
time with httpx.AsyncClient. Each limit sits far from both outcomes. Measured on a
2-core machine with 4 busy loops beside the test: a correct app's worst case is under
0.34 s, 0.11 s and 1.11 s; a blocking one's best case is over 2.0 s, 0.95 s and 3.0 s.
"""

import asyncio
import time

import httpx
import pytest

IO_SECONDS = 0.2  # GET /io waits this long
BLOCKING_SECONDS = 1.0  # blocking_io() blocks this long

CONCURRENT_IO = 10
IO_BURST_LIMIT = 1.0  # overlapping: 0.21-0.34 s measured; one after another: 10 × 0.2 = 2.0 s
PING_LAG_LIMIT = 0.3  # free event loop: 0.002-0.11 s measured; blocked: 0.95-1.0 s
CONCURRENT_REPORTS = 3
REPORT_BURST_LIMIT = 2.0  # in threads: 1.0-1.11 s measured; one after another: 3 × 1.0 = 3.0 s
PROBE_PAUSE = 0.02  # pause between two GET /ping of the event-loop probe
CLIENT_TIMEOUT = 8.0


def async_client(url: str) -> httpx.AsyncClient:
    """A client that opens as many connections as the test sends requests at once."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT, limits=limits)


async def timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    """GET ``path``; the response and the seconds it took. A request that never answers fails the test."""
    start = time.perf_counter()
    try:
        response = await client.get(path)
    except httpx.TimeoutException:
        pytest.fail(f"GET {path} → no answer within {CLIENT_TIMEOUT:g} s (is the route stuck?)", pytrace=False)
    return response, time.perf_counter() - start


async def open_connections(client: httpx.AsyncClient, count: int) -> None:
    """Open ``count`` keep-alive connections first, so a burst measures the app, not TCP set-up."""
    await asyncio.gather(*(client.get("/") for _ in range(count)))


def check_ok(response, path: str, expected: dict) -> None:
    """The answer is 200 with exactly the ``expected`` JSON body."""
    assert response.status_code == 200, f"GET {path} → expected 200, got {response.status_code}: {response.text}"
    try:
        body = response.json()
    except ValueError:
        body = None
    assert body == expected, f"GET {path} → expected {expected}, got {response.text}"


def test_ping_answers_pong(client):
    """GET /ping answers 200 with {"ping": "pong"}."""
    check_ok(client.get("/ping"), "/ping", {"ping": "pong"})


def test_routes_are_documented_as_get(client):
    """/openapi.json keeps the app's title "Kata Async" and documents GET /ping, /io and /report."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    schema = response.json()
    title = schema.get("info", {}).get("title")
    assert title == "Kata Async", f"GET /openapi.json → expected info.title 'Kata Async' (given in the stub), got {title!r}"
    paths = schema.get("paths", {})
    missing = [path for path in ("/ping", "/io", "/report") if "get" not in paths.get(path, {})]
    assert not missing, f"GET /openapi.json → expected GET routes {missing} in paths, got {sorted(paths)}"


def test_io_waits_then_answers(client):
    """GET /io waits about 0.2 s, then answers {"waited": 0.2}."""
    start = time.perf_counter()
    response = client.get("/io")
    seconds = time.perf_counter() - start
    check_ok(response, "/io", {"waited": IO_SECONDS})
    assert seconds >= IO_SECONDS - 0.01, (
        f"GET /io → answered after {seconds:.3f} s, expected it to wait {IO_SECONDS} s first"
    )


@pytest.mark.points(2)
@pytest.mark.kata_timeout(30)
def test_concurrent_io_requests_overlap(serve):
    """Ten GET /io sent at once all finish in about one wait, not ten waits in a row."""
    server = serve()

    async def burst() -> tuple[list[httpx.Response], float]:
        async with async_client(server.url) as client:
            first, _ = await timed_get(client, "/io")
            check_ok(first, "/io", {"waited": IO_SECONDS})
            await open_connections(client, CONCURRENT_IO)
            start = time.perf_counter()
            answers = await asyncio.gather(*(timed_get(client, "/io") for _ in range(CONCURRENT_IO)))
            return [response for response, _ in answers], time.perf_counter() - start

    responses, seconds = asyncio.run(burst())
    for response in responses:
        check_ok(response, "/io", {"waited": IO_SECONDS})
    assert seconds <= IO_BURST_LIMIT, (
        f"{CONCURRENT_IO} GET /io at once took {seconds:.2f} s (limit {IO_BURST_LIMIT:g} s): they ran one by one,"
        " so /io blocks the event loop. Use await asyncio.sleep, not time.sleep"
    )


def test_report_answers_with_blocking_io_result(client, kata_module, monkeypatch):
    """GET /report calls blocking_io() once (about 1 s) and answers {"report": "report ready"}."""
    real_blocking_io = kata_module.blocking_io
    calls = []

    def counted_blocking_io() -> str:
        calls.append(1)
        return real_blocking_io()

    monkeypatch.setattr(kata_module, "blocking_io", counted_blocking_io)
    start = time.perf_counter()
    response = client.get("/report")
    seconds = time.perf_counter() - start
    check_ok(response, "/report", {"report": "report ready"})
    assert len(calls) == 1, f"GET /report → expected one call to blocking_io(), counted {len(calls)}"
    assert seconds >= BLOCKING_SECONDS - 0.05, (
        f"GET /report → answered after {seconds:.2f} s, but blocking_io() takes {BLOCKING_SECONDS:g} s"
        " (was it changed?)"
    )


def test_blocking_io_runs_off_the_event_loop(client, kata_module, monkeypatch):
    """GET /report runs blocking_io() in a worker thread, never on the event loop's own thread."""
    threads = []

    def watched_blocking_io() -> str:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            threads.append("a worker thread")
        else:
            threads.append("the event loop's thread")
        return "report ready"

    monkeypatch.setattr(kata_module, "blocking_io", watched_blocking_io)
    response = client.get("/report")
    check_ok(response, "/report", {"report": "report ready"})
    assert threads, "GET /report → answered without calling blocking_io()"
    assert "the event loop's thread" not in threads, (
        "GET /report called blocking_io() on the event loop's thread, where it blocks every request."
        " Call it from a plain def route or run_in_threadpool"
    )


@pytest.mark.points(2)
@pytest.mark.kata_timeout(30)
def test_server_answers_ping_while_report_runs(serve):
    """While GET /report runs, GET /ping still answers at once: the event loop is never blocked."""
    server = serve()

    async def probe() -> tuple[httpx.Response, list[float]]:
        async with async_client(server.url) as client:
            idle, seconds = await timed_get(client, "/ping")
            check_ok(idle, "/ping", {"ping": "pong"})
            assert seconds <= PING_LAG_LIMIT, (
                f"GET /ping took {seconds:.2f} s on an idle server (limit {PING_LAG_LIMIT:g} s):"
                " it should answer at once"
            )
            report = asyncio.create_task(timed_get(client, "/report"))
            lags = []
            # An event-loop lag probe: ping over and over until the report is back.
            # A ping sent while the loop is blocked waits for as long as the block lasts.
            while not report.done():
                response, seconds = await timed_get(client, "/ping")
                check_ok(response, "/ping", {"ping": "pong"})
                lags.append(seconds)
                await asyncio.sleep(PROBE_PAUSE)
            report_response, _ = await report
            return report_response, lags

    report_response, lags = asyncio.run(probe())
    check_ok(report_response, "/report", {"report": "report ready"})
    worst = max(lags, default=0.0)
    assert worst <= PING_LAG_LIMIT, (
        f"While GET /report ran, GET /ping waited {worst:.2f} s (limit {PING_LAG_LIMIT:g} s): blocking_io() froze"
        " the event loop. Call it from a plain def route or run_in_threadpool"
    )


@pytest.mark.kata_timeout(30)
def test_reports_run_side_by_side(serve):
    """Three GET /report sent at once finish in about one blocking_io() time, not three in a row."""
    server = serve()

    async def burst() -> tuple[list[httpx.Response], float]:
        async with async_client(server.url) as client:
            await open_connections(client, CONCURRENT_REPORTS)
            start = time.perf_counter()
            answers = await asyncio.gather(*(timed_get(client, "/report") for _ in range(CONCURRENT_REPORTS)))
            return [response for response, _ in answers], time.perf_counter() - start

    responses, seconds = asyncio.run(burst())
    for response in responses:
        check_ok(response, "/report", {"report": "report ready"})
    assert seconds <= REPORT_BURST_LIMIT, (
        f"{CONCURRENT_REPORTS} GET /report at once took {seconds:.2f} s (limit {REPORT_BURST_LIMIT:g} s): they ran"
        " one by one. Call blocking_io() from a plain def route or run_in_threadpool"
    )
