"""Kata 02, written from the README alone: bounds stated with gt/lt (exclusive), a str Enum,
plain Query defaults, sync routes, filters kept as a generator pipeline."""

from enum import Enum
from typing import List, Optional, Union

from fastapi import FastAPI, Path, Query

ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

app = FastAPI()


class Model(str, Enum):
    ALEXNET = "alexnet"
    RESNET = "resnet"
    LENET = "lenet"


@app.get("/users/me")
def current_user():
    return {"user_id": "me"}


@app.get("/users/{user_id}")
def one_user(user_id: int = Path(description="A user's number")):
    return {"user_id": user_id}


@app.get("/models/{model_name}")
def one_model(model_name: Model):
    return {"model_name": model_name.value}


@app.get("/items")
def page_of_items(
    skip: int = Query(0, gt=-1, description="How many matches to pass over"),
    limit: int = Query(10, gt=0, lt=21, description="How many matches to answer at most"),
    q: Optional[str] = Query(None, description="Part of the name"),
    tag: Union[List[str], None] = Query(None, description="Tags, any of which may match"),
):
    wanted = set(tag) if tag else None
    matches = (item for item in ITEMS if q is None or item["name"].find(q) >= 0)
    matches = (item for item in matches if wanted is None or item["tag"] in wanted)
    found = list(matches)
    return {"skip": skip, "limit": limit, "items": found[skip : skip + limit]}
