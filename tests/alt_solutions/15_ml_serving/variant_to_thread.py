"""Kata 15 · a variant: the model in a module-level dict, asyncio.to_thread, a fixed-length tuple."""

import asyncio
import json
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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



MODELS: dict[str, LinearModel] = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    MODELS["current"] = LinearModel.load(model_path())
    try:
        yield
    finally:
        MODELS.clear()


app = FastAPI(title="Kata ML Serving", lifespan=lifespan)


class Row(BaseModel):
    features: tuple[float, float, float]


class Batch(BaseModel):
    items: list[Row] = Field(..., min_length=1, max_length=MAX_BATCH)


def current() -> LinearModel:
    if "current" not in MODELS:
        raise HTTPException(status_code=503, detail="model not loaded")
    return MODELS["current"]


@app.get("/healthz")
async def healthz():
    if "current" not in MODELS:
        return JSONResponse(status_code=503, content={"status": "not ready"})
    model = MODELS["current"]
    return {"status": "ready", "model": model.name, "version": model.version}


@app.post("/predict")
async def predict(row: Row):
    model = current()
    (prediction,) = await asyncio.to_thread(model.predict, [list(row.features)])
    return {"prediction": prediction, "model_version": model.version}


@app.post("/predict/batch")
async def predict_batch(batch: Batch):
    model = current()
    predictions = await asyncio.to_thread(model.predict, [list(item.features) for item in batch.items])
    return {"predictions": predictions, "model_version": model.version}
