"""Kata 02, a second solution written from the README: sync routes, an APIRouter,
Query() as the default value (no Annotated), a Literal for the models and a
class dependency for the filters."""

from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, Query

ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

users = APIRouter(prefix="/users")


@users.get("/me")
def me():
    return {"user_id": "me"}


@users.get("/{user_id}")
def user(user_id: int):
    return {"user_id": user_id}


class Filters:
    """A class dependency that gathers the filter parameters."""

    def __init__(self, q: str | None = Query(None), tag: list[str] = Query(default=[])):
        self.q = q
        self.tag = tag

    def keep(self, item: dict) -> bool:
        if self.q and self.q not in item["name"]:
            return False
        return not self.tag or item["tag"] in self.tag


app = FastAPI()
app.include_router(users)


@app.get("/models/{model_name}")
def model(model_name: Literal["alexnet", "resnet", "lenet"]):
    return {"model_name": model_name}


@app.get("/items")
def items(
    skip: int = Query(0, ge=0),
    limit: int = Query(10, ge=1, le=20),
    filters: Filters = Depends(),
):
    matches = list(filter(filters.keep, ITEMS))
    return {"skip": skip, "limit": limit, "items": matches[skip:][:limit]}
