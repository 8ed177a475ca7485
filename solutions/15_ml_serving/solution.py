"""Kata 15 · Serving an ML model: the reference solution."""

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Self

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

MODEL_PATH_ENV = "KATA_MODEL_PATH"  # the environment variable that names the model file
N_FEATURES = 3  # every row the model scores has exactly this many features
MAX_BATCH = 32  # POST /predict/batch takes 1 to MAX_BATCH rows
PREDICT_CPU_SECONDS = 0.5  # the CPU time one call of LinearModel.predict() costs


def model_path() -> Path:
    """The model file: $KATA_MODEL_PATH, else the model.json next to this file. Do not change it."""
    return Path(os.environ.get(MODEL_PATH_ENV) or Path(__file__).with_name("model.json"))


def burn_cpu(seconds: float) -> None:
    """Keep this thread busy for `seconds` of CPU time, holding the GIL, as pure-Python arithmetic does.

    A stand-in for the work of a real model, whose size makes each prediction expensive.
    """
    deadline = time.thread_time() + seconds
    while time.thread_time() < deadline:
        pass


@dataclass
class LinearModel:
    """A tiny linear regression read from a JSON file. Do not change it."""

    name: str
    version: str
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read the model file: its name, version, one weight per feature and bias."""
        data = json.loads(Path(path).read_bytes())
        return cls(str(data["name"]), str(data["version"]), tuple(map(float, data["weights"])), float(data["bias"]))

    def predict(self, rows: list[list[float]]) -> list[float]:
        """One prediction per row: bias + the weighted sum of its features.

        Every call costs PREDICT_CPU_SECONDS of CPU, however many rows it is given, like a real
        model whose cost is mostly per call: a batch of 32 rows costs what one row costs.
        """
        burn_cpu(PREDICT_CPU_SECONDS)
        return [self.bias + sum(w * x for w, x in zip(self.weights, row)) for row in rows]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The key idea: the model is read once, when the server starts, and every request shares it.
    app.state.model = LinearModel.load(model_path())
    yield
    app.state.model = None


app = FastAPI(title="Kata ML Serving", lifespan=lifespan)


class Row(BaseModel):
    features: list[float] = Field(min_length=N_FEATURES, max_length=N_FEATURES)


class Batch(BaseModel):
    items: list[Row] = Field(min_length=1, max_length=MAX_BATCH)


def loaded_model(request: Request) -> LinearModel:
    model = getattr(request.app.state, "model", None)
    if model is None:
        raise HTTPException(status_code=503, detail="model not loaded")
    return model


Model = Annotated[LinearModel, Depends(loaded_model)]


@app.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    model = getattr(request.app.state, "model", None)
    if model is None:
        return JSONResponse({"status": "not ready"}, status_code=503)
    return JSONResponse({"status": "ready", "model": model.name, "version": model.version})


@app.post("/predict")
async def predict(row: Row, model: Model) -> dict[str, object]:
    # predict() is CPU-bound: in a worker thread, the event loop keeps serving other requests.
    [prediction] = await run_in_threadpool(model.predict, [row.features])
    return {"prediction": prediction, "model_version": model.version}


@app.post("/predict/batch")
def predict_batch(batch: Batch, model: Model) -> dict[str, object]:
    # A plain def route runs in the thread pool too; one call scores the whole batch.
    predictions = model.predict([item.features for item in batch.items])
    return {"predictions": predictions, "model_version": model.version}
