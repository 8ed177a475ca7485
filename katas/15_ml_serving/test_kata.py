"""Kata 15 · Serving an ML model: loaded once at startup, predictions off the event loop, batches checked.

Each test writes the model file itself (through the kata's probes.py, beside the app) and names it
in KATA_MODEL_PATH before the app is imported, so the expected predictions come from weights the
test chose. "Loaded once" is checked by what the app does when the file changes or disappears
after startup; "off the event loop" by an event-loop lag probe against a real Uvicorn server,
sent from beside it (probes.py) so both grading modes measure the same.

Timing. One call of predict() burns PREDICT_CPU_SECONDS = 0.5 s of CPU (thread time), so it
takes at least 0.5 s of wall time, and more on a busy machine: 0.5-2.5 s measured on this 2-core
machine at load averages 1 to 14. The lag limit therefore scales with the machine: the slowest
GET /healthz may wait at most a third of the slowest prediction's time (and at least 0.5 s).
Four predictions in worker threads took 3-10 s and the slowest GET /healthz 0.04-0.10 of that
(0.13-0.83 s); four on the event loop, 0.67-0.99 of it (2.8-9.4 s). The four used 2.0-2.1 s of
the server's CPU either way (the limit is 3 s). For the same reason a batch of 16 rows is timed
against a batch of 1 row (the faster of one before and one after it): about as long in one call
of predict() (ratio 0.8-1.2 measured), 16 times the CPU in one call per row (ratio 19 measured).
"""

import json
import time

import pytest

MODEL_ENV = "KATA_MODEL_PATH"
PREDICT_CPU_SECONDS = 0.5  # the stub's cost of one call of predict()
MAX_BATCH = 32

MODEL_A = {
    "name": "house-prices",
    "version": "a-2025.1",
    "features": ["rooms", "area_m2", "age_years"],
    "weights": [12500.0, 2100.0, -800.0],
    "bias": 40000.0,
}
MODEL_B = {
    "name": "house-prices-v2",
    "version": "b-2025.2",
    "features": ["rooms", "area_m2", "age_years"],
    "weights": [9000.0, 2600.0, -1500.0],
    "bias": 25000.0,
}
ROWS = [[3, 85, 12], [5, 140.5, 2], [1, 30, 60]]
NOT_READY = {"status": "not ready"}
NOT_LOADED = {"detail": "model not loaded"}

BATCH_ROWS = 16
BATCH_RATIO = 4  # 16 rows / 1 row, in time: about 1 in one call of predict(), about 16 in one call per row
CONCURRENT = 4
LAG_SHARE = 1 / 3  # of the slowest prediction: 0.04-0.10 measured in worker threads, 0.67-0.99 on the loop
LAG_FLOOR = 0.5  # seconds: a limit never below this, however fast the predictions
PROBE_PAUSE = 0.02
CLIENT_TIMEOUT = 30.0


def expected(model: dict, row: list[float]) -> float:
    return model["bias"] + sum(w * x for w, x in zip(model["weights"], row))


def ready(model: dict) -> dict:
    return {"status": "ready", "model": model["name"], "version": model["version"]}


@pytest.fixture
def model_path(shared_tmp_path, monkeypatch):
    """The model file's path in KATA_MODEL_PATH, set before the app is imported."""
    path = shared_tmp_path / "model.json"
    monkeypatch.setenv(MODEL_ENV, str(path))
    return path


@pytest.fixture(autouse=True)
def model_file(model_path, learner):
    """Model A written to KATA_MODEL_PATH before the app starts (fixtures that start it come after)."""
    learner.probe("write_model", str(model_path), MODEL_A)
    return model_path


def parsed(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def answer_of(outcome: dict, sent: str) -> tuple[int, object, str]:
    """(status, JSON body, text) of a request a probe made, or a failed test saying what the app raised."""
    if "error" in outcome:
        pytest.fail(f"{sent} → the app raised {outcome['error']}", pytrace=False)
    return outcome["status"], parsed(outcome["text"]), outcome["text"]


def check_prediction(status: int, body: object, text: str, sent: str, model: dict, row: list[float]) -> None:
    assert status == 200, f"{sent} → expected 200, got {status}: {text}"
    want = {"prediction": pytest.approx(expected(model, row)), "model_version": model["version"]}
    assert body == want, (
        f"{sent} → expected {{'prediction': {expected(model, row)}, 'model_version': '{model['version']}'}}, got {text}"
    )


def predict(client, row: list[float], sent: str, model: dict) -> None:
    response = client.post("/predict", json={"features": row})
    check_prediction(response.status_code, parsed(response.text), response.text, sent, model, row)


def error_locations(response) -> list[list]:
    body = parsed(response.text)
    details = body.get("detail") if isinstance(body, dict) else None
    return [list(error.get("loc", [])) for error in details] if isinstance(details, list) else []


def check_422(response, sent: str, location: list) -> None:
    assert response.status_code == 422, f"{sent} → expected 422, got {response.status_code}: {response.text[:200]}"
    found = error_locations(response)
    assert any(loc[: len(location)] == location for loc in found), (
        f"{sent} → expected a validation error at {location}, got {found} (declare it on a Pydantic model)"
    )


# -- readiness ---------------------------------------------------------------------------------------


@pytest.mark.rule(3)
def test_healthz_reports_the_loaded_model(client):
    """Once started, GET /healthz answers 200 with the name and version read from the model file."""
    response = client.get("/healthz")
    assert response.status_code == 200, f"GET /healthz after startup → expected 200, got {response.status_code}: {response.text}"
    assert parsed(response.text) == ready(MODEL_A), f"GET /healthz → expected {ready(MODEL_A)}, got {response.text}"


@pytest.mark.rule(3)
def test_healthz_is_503_before_startup(learner):
    """Before the lifespan has run, GET /healthz answers 503 {"status": "not ready"}."""
    sent = "GET /healthz without startup"
    status, body, text = answer_of(learner.probe("request_without_startup", "GET", "/healthz"), sent)
    assert status == 503, f"{sent} → expected 503 (load the model in the lifespan, not at import), got {status}: {text}"
    assert body == NOT_READY, f"{sent} → expected {NOT_READY}, got {text}"


# -- predictions -------------------------------------------------------------------------------------


@pytest.mark.rule(4)
@pytest.mark.kata_timeout(30)  # each prediction burns 0.5 s of CPU: seconds on a busy machine
def test_predict_scores_a_row_with_the_loaded_model(client):
    """POST /predict answers the model's prediction for the row, with the model's version."""
    for row in ROWS[:2]:
        predict(client, row, f"POST /predict {{'features': {row}}}", MODEL_A)


@pytest.mark.rule(4, 5)
def test_predict_is_503_without_a_model(learner):
    """Before the lifespan has run, POST /predict and /predict/batch answer 503 {"detail": "model not loaded"}."""
    for path, body in (("/predict", {"features": ROWS[0]}), ("/predict/batch", {"items": [{"features": ROWS[0]}]})):
        sent = f"POST {path} without startup"
        status, answer, text = answer_of(learner.probe("request_without_startup", "POST", path, body), sent)
        assert status == 503, f"{sent} → expected 503 (load the model in the lifespan, not per request), got {status}: {text}"
        assert answer == NOT_LOADED, f"{sent} → expected {NOT_LOADED}, got {text}"


@pytest.mark.rule(1)
@pytest.mark.kata_timeout(30)  # each prediction burns 0.5 s of CPU: seconds on a busy machine
def test_requests_use_the_model_loaded_at_startup(client, learner, model_file):
    """After startup the file can change or vanish: requests keep the model read at startup."""
    learner.probe("remove_model", str(model_file))
    predict(client, ROWS[0], "model file deleted after startup, POST /predict", MODEL_A)
    learner.probe("write_model", str(model_file), MODEL_B)
    predict(client, ROWS[1], "model file replaced after startup, POST /predict", MODEL_A)
    response = client.get("/healthz")
    assert parsed(response.text) == ready(MODEL_A), (
        f"model file replaced after startup, GET /healthz → expected {ready(MODEL_A)}, got {response.status_code}: {response.text}"
    )


def in_lifespan(learner, method: str, path: str, body: object = None) -> tuple[int, object, str]:
    return answer_of(learner.probe("request_in_lifespan", method, path, body), f"{method} {path}")


def start(learner, when: str) -> None:
    problem = learner.probe("start_lifespan")
    if "error" in problem:
        pytest.fail(f"{when}: the startup raised {problem['error']}", pytrace=False)


@pytest.mark.rule(1)
@pytest.mark.kata_timeout(30)  # each prediction burns 0.5 s of CPU: seconds on a busy machine
def test_each_startup_reads_the_model_file(learner, model_file):
    """Every startup reads KATA_MODEL_PATH again: a new model file is served after a restart."""
    try:
        start(learner, "first startup")
        status, body, text = in_lifespan(learner, "GET", "/healthz")
        assert body == ready(MODEL_A), f"first startup, GET /healthz → expected {ready(MODEL_A)}, got {status}: {text}"
        learner.probe("stop_lifespan")
        learner.probe("write_model", str(model_file), MODEL_B)
        start(learner, "restart with a new model file")
        status, body, text = in_lifespan(learner, "GET", "/healthz")
        assert body == ready(MODEL_B), (
            f"restart with a new model file, GET /healthz → expected {ready(MODEL_B)}, got {status}: {text}"
        )
        status, body, text = in_lifespan(learner, "POST", "/predict", {"features": ROWS[2]})
        check_prediction(status, body, text, "restart with a new model file, POST /predict", MODEL_B, ROWS[2])
    finally:
        learner.probe("stop_lifespan")


@pytest.mark.rule(2)
def test_model_is_released_at_shutdown(learner):
    """After shutdown the model is gone: GET /healthz answers 503 and POST /predict 503 again."""
    start(learner, "startup")
    status, _, text = in_lifespan(learner, "GET", "/healthz")
    assert status == 200, f"GET /healthz after startup → expected 200, got {status}: {text}"
    stopped = learner.probe("stop_lifespan")
    assert "error" not in stopped, f"shutdown → the app raised {stopped.get('error')}"
    sent = "GET /healthz after shutdown"
    status, body, text = answer_of(learner.probe("request_without_startup", "GET", "/healthz"), sent)
    assert (status, body) == (503, NOT_READY), f"{sent} → expected 503 {NOT_READY} (release the model), got {status}: {text}"
    sent = "POST /predict after shutdown"
    status, body, text = answer_of(learner.probe("request_without_startup", "POST", "/predict", {"features": ROWS[0]}), sent)
    assert (status, body) == (503, NOT_LOADED), f"{sent} → expected 503 {NOT_LOADED}, got {status}: {text}"


# -- batches -----------------------------------------------------------------------------------------


@pytest.mark.rule(5)
@pytest.mark.kata_timeout(30)  # each prediction burns 0.5 s of CPU: seconds on a busy machine
def test_batch_scores_every_row_in_order(client):
    """POST /predict/batch answers one prediction per row, in the order sent, with the model's version."""
    sent = f"POST /predict/batch with rows {ROWS}"
    response = client.post("/predict/batch", json={"items": [{"features": row} for row in ROWS]})
    assert response.status_code == 200, f"{sent} → expected 200, got {response.status_code}: {response.text}"
    want = [expected(MODEL_A, row) for row in ROWS]
    body = parsed(response.text)
    assert body == {"predictions": pytest.approx(want), "model_version": MODEL_A["version"]}, (
        f"{sent} → expected {{'predictions': {want}, 'model_version': '{MODEL_A['version']}'}}, got {response.text}"
    )


@pytest.mark.rule(5)
@pytest.mark.kata_timeout(90)
def test_batch_calls_the_model_once(client):
    """A batch of 16 rows takes about as long as a batch of 1: one call of predict(), not one per row."""

    def timed(rows: list) -> tuple:
        started = time.perf_counter()
        response = client.post("/predict/batch", json={"items": [{"features": row} for row in rows]})
        return response, time.perf_counter() - started

    rows = [[n % 7, 20.0 + n, n] for n in range(BATCH_ROWS)]
    before = timed(rows[:1])[1]
    response, seconds = timed(rows)
    after = timed(rows[:1])[1]
    sent = f"POST /predict/batch with {BATCH_ROWS} rows"
    assert response.status_code == 200, f"{sent} → expected 200, got {response.status_code}: {response.text[:200]}"
    predictions = (parsed(response.text) or {}).get("predictions")
    assert predictions == pytest.approx([expected(MODEL_A, row) for row in rows]), f"{sent} → wrong predictions: {response.text[:200]}"
    single = min(before, after)
    assert seconds <= BATCH_RATIO * single, (
        f"{sent} took {seconds:.1f} s, {seconds / single:.0f} times a batch of 1 ({single:.1f} s, limit {BATCH_RATIO}×):"
        " call predict() once with every row, not once per row"
    )


# -- validation --------------------------------------------------------------------------------------


@pytest.mark.rule(6)
def test_wrong_feature_count_answers_422(client):
    """POST /predict with 2 or 4 features, or none, answers 422 naming body → features."""
    for body in ({"features": [1, 2]}, {"features": [1, 2, 3, 4]}, {}):
        check_422(client.post("/predict", json=body), f"POST /predict {body}", ["body", "features"])


@pytest.mark.rule(6)
def test_features_must_be_numbers(client):
    """POST /predict with a feature that is not a number ("abc", null) answers 422 naming that feature."""
    for body, index in (({"features": [1, "abc", 3]}, 1), ({"features": [1, 2, None]}, 2)):
        check_422(client.post("/predict", json=body), f"POST /predict {body}", ["body", "features", index])


@pytest.mark.rule(6)
def test_bad_row_in_a_batch_is_located(client):
    """A batch whose second row has 2 features answers 422 naming body → items → 1 → features."""
    body = {"items": [{"features": ROWS[0]}, {"features": [1, 2]}, {"features": ROWS[1]}]}
    check_422(client.post("/predict/batch", json=body), "POST /predict/batch, row 1 with 2 features", ["body", "items", 1, "features"])


@pytest.mark.rule(5, 6)
@pytest.mark.kata_timeout(30)
def test_batch_takes_1_to_32_rows(client):
    """POST /predict/batch takes 32 rows (200) but answers 422 for none and for 33."""
    for count in (0, MAX_BATCH + 1):
        body = {"items": [{"features": ROWS[0]}] * count}
        check_422(client.post("/predict/batch", json=body), f"POST /predict/batch with {count} rows", ["body", "items"])
    response = client.post("/predict/batch", json={"items": [{"features": ROWS[0]}] * MAX_BATCH})
    sent = f"POST /predict/batch with {MAX_BATCH} rows"
    assert response.status_code == 200, f"{sent} → expected 200, got {response.status_code}: {response.text[:200]}"
    predictions = (parsed(response.text) or {}).get("predictions")
    assert isinstance(predictions, list) and len(predictions) == MAX_BATCH, f"{sent} → expected {MAX_BATCH} predictions, got {response.text[:200]}"


def request_property(openapi: dict, path: str, name: str) -> dict:
    """The OpenAPI schema of property ``name`` of the JSON body of POST ``path`` ({} when not found)."""

    def resolve(schema: object) -> dict:
        for _ in range(10):
            if not isinstance(schema, dict) or "$ref" not in schema:
                break
            schema = openapi.get("components", {}).get("schemas", {}).get(str(schema["$ref"]).rsplit("/", 1)[-1])
        return schema if isinstance(schema, dict) else {}

    try:
        body = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    except (KeyError, TypeError):
        return {}
    return resolve(resolve(body).get("properties", {}).get(name))


@pytest.mark.rule(6)
def test_docs_show_the_limits(client):
    """/openapi.json keeps the title "Kata ML Serving" and shows the limits: 3 features, 1 to 32 rows."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, f"GET /openapi.json → expected 200, got {response.status_code}"
    openapi = response.json()
    title = openapi.get("info", {}).get("title")
    assert title == "Kata ML Serving", f"GET /openapi.json → expected the stub's title 'Kata ML Serving', got {title!r}"
    for path, name, limits in (("/predict", "features", (3, 3)), ("/predict/batch", "items", (1, MAX_BATCH))):
        schema = request_property(openapi, path, name)
        found = (schema.get("minItems"), schema.get("maxItems"))
        assert found == limits, (
            f"GET /openapi.json → expected POST {path}'s {name} with minItems, maxItems {limits}, got {found}"
            " (declare the limits on the Pydantic model)"
        )


# -- off the event loop, under Uvicorn ----------------------------------------------------------------


def timed_answer(answer: dict, sent: str) -> tuple[int, object, float]:
    if answer.get("timed_out"):
        pytest.fail(f"{sent} → no answer within {CLIENT_TIMEOUT:g} s", pytrace=False)
    return answer["status"], parsed(answer["text"]), answer["seconds"]


# The test asks for `learner` before `serve`: fixtures are torn down in reverse, and in classroom
# mode the learner's session must end after the servers are stopped, not before.
@pytest.mark.rule(7)
@pytest.mark.points(2)
@pytest.mark.kata_timeout(60)
@pytest.mark.parametrize("route", ["/predict", "/predict/batch"])
def test_predictions_run_off_the_event_loop(learner, serve, route):
    """Under Uvicorn, while 4 predictions run at once, GET /healthz keeps answering at once."""
    server = serve(ready_path="/healthz")
    row = ROWS[0]
    body = {"features": row} if route == "/predict" else {"items": [{"features": row}]}
    probe = learner.probe(
        "lag_probe", server.port, server.process.pid, "/healthz", route, body, CONCURRENT, PROBE_PAUSE, CLIENT_TIMEOUT
    )
    status, answer, _ = timed_answer(probe["idle"], "Uvicorn: GET /healthz")
    assert (status, answer) == (200, ready(MODEL_A)), f"Uvicorn: GET /healthz → expected 200 {ready(MODEL_A)}, got {status}: {answer}"
    durations = []
    for prediction in probe["predictions"]:
        status, answer, seconds = timed_answer(prediction, f"Uvicorn: POST {route}")
        assert status == 200, f"Uvicorn: POST {route} {body} → expected 200, got {status}: {answer}"
        assert seconds >= PREDICT_CPU_SECONDS - 0.05, (
            f"Uvicorn: POST {route} answered in {seconds:.2f} s, but predict() costs {PREDICT_CPU_SECONDS:g} s"
            " of CPU (was PREDICT_CPU_SECONDS or burn_cpu changed?)"
        )
        durations.append(seconds)
    cpu = probe["cpu_seconds"]
    assert cpu is None or cpu <= CONCURRENT * PREDICT_CPU_SECONDS * 1.5, (
        f"Uvicorn: {CONCURRENT} POST {route} used {cpu:.1f} s of CPU, but predict() costs {PREDICT_CPU_SECONDS:g} s"
        " (was PREDICT_CPU_SECONDS or burn_cpu changed?)"
    )
    lags = [timed_answer(ping, "Uvicorn: GET /healthz during predictions")[2] for ping in probe["pings"]]
    worst, slowest = max(lags, default=0.0), max(durations, default=0.0)
    limit = max(LAG_FLOOR, slowest * LAG_SHARE)
    assert worst <= limit, (
        f"While {CONCURRENT} POST {route} ran ({slowest:.1f} s), GET /healthz waited {worst:.1f} s (limit {limit:.1f} s):"
        " predict() ran on the event loop. Use a def route or await run_in_threadpool(...)"
    )
