"""Kata 15 · Serving an ML model: load it once, keep predictions off the event loop, validate batches.

The task is in README.md next to this file. Grade it with:  pytest katas/15_ml_serving
"""

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from fastapi import FastAPI

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


app = FastAPI(title="Kata ML Serving")


# TODO 1-2: a lifespan that loads LinearModel.load(model_path()) once at startup, keeps it where
#           the routes can reach it, and lets it go at shutdown. Pass it: FastAPI(lifespan=...).


# TODO 3: GET /healthz answers 200 {"status": "ready", "model": <name>, "version": <version>}
#         when a model is loaded, else 503 {"status": "not ready"}.


# TODO 4: POST /predict {"features": [3 numbers]} → {"prediction": ..., "model_version": ...},
#         or 503 {"detail": "model not loaded"}, without blocking the event loop.


# TODO 5: POST /predict/batch {"items": [{"features": [...]}, ...]} → {"predictions": [...],
#         "model_version": ...}, with one call of predict() for the whole batch.


# TODO 6: Pydantic models that refuse (422) a wrong number of features, features that are not
#         numbers, an empty batch and a batch of more than MAX_BATCH rows.
