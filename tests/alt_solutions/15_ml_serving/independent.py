"""Kata 15 · an independent solution: lifespan state, a process pool, an APIRouter, conlist."""

import asyncio
import json
import multiprocessing
import os
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, conlist

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
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    model = LinearModel.load(model_path())
    # Forked workers: true parallelism for CPU-bound predictions, the model pickled with each call.
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        yield {"model": model, "pool": pool}


class PredictIn(BaseModel):
    features: conlist(float, min_length=N_FEATURES, max_length=N_FEATURES)


class BatchIn(BaseModel):
    items: conlist(PredictIn, min_length=1, max_length=MAX_BATCH)


router = APIRouter()


async def score(request: Request, rows: list[list[float]]) -> tuple[list[float], str]:
    model = getattr(request.state, "model", None)
    if model is None:
        raise HTTPException(503, "model not loaded")
    loop = asyncio.get_running_loop()
    predictions = await loop.run_in_executor(request.state.pool, model.predict, rows)
    return predictions, model.version


@router.get("/healthz")
def healthz(request: Request, response: Response) -> dict[str, str]:
    model = getattr(request.state, "model", None)
    if model is None:
        response.status_code = 503
        return {"status": "not ready"}
    return {"status": "ready", "model": model.name, "version": model.version}


@router.post("/predict")
async def predict(body: PredictIn, request: Request) -> dict[str, Any]:
    predictions, version = await score(request, [body.features])
    return {"prediction": predictions[0], "model_version": version}


@router.post("/predict/batch")
async def predict_batch(body: BatchIn, request: Request) -> dict[str, Any]:
    predictions, version = await score(request, [item.features for item in body.items])
    return {"predictions": predictions, "model_version": version}


app = FastAPI(title="Kata ML Serving", lifespan=lifespan)
app.include_router(router)
