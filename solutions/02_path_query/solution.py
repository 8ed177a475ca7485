"""Kata 02 reference solution: the URL's path names a resource, its query string shapes the answer."""

from enum import StrEnum
from typing import Annotated

from fastapi import FastAPI, Query

ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

app = FastAPI()


class ModelName(StrEnum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


# Key idea: routes are tried in the order they are declared, so the fixed path
# must come before the {user_id} pattern, which would otherwise try int("me").
@app.get("/users/me")
async def read_current_user() -> dict[str, str]:
    return {"user_id": "me"}


@app.get("/users/{user_id}")
async def read_user(user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


@app.get("/models/{model_name}")
async def read_model(model_name: ModelName) -> dict[str, str]:
    return {"model_name": model_name}


@app.get("/items")
async def list_items(
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
    q: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
) -> dict:
    found = [
        item
        for item in ITEMS
        if (q is None or q in item["name"]) and (tag is None or item["tag"] in tag)
    ]
    return {"skip": skip, "limit": limit, "items": found[skip : skip + limit]}
