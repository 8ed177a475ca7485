"""Kata 02, independent solution: APIRouter prefixes, sync handlers, Literal, class dependency."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query

ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

users = APIRouter(prefix="/users", tags=["users"])


@users.get("/me")
def who_am_i() -> dict[str, str]:
    return {"user_id": "me"}


@users.get("/{user_id}")
def get_user(user_id: Annotated[int, Path()]) -> dict[str, int]:
    return {"user_id": user_id}


models = APIRouter(prefix="/models")


@models.get("/{model_name}")
def get_model(model_name: Literal["alexnet", "resnet", "lenet"]) -> dict[str, str]:
    return {"model_name": model_name}


class ItemFilter:
    """Query parameters of the item listing, gathered in one dependency."""

    def __init__(
        self,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=20)] = 10,
        q: Annotated[str | None, Query()] = None,
        tag: Annotated[list[str] | None, Query()] = None,
    ) -> None:
        self.skip, self.limit, self.q, self.tag = skip, limit, q, tag

    def matches(self, item: dict) -> bool:
        if self.q is not None and self.q not in item["name"]:
            return False
        if self.tag is not None and item["tag"] not in self.tag:
            return False
        return True


items = APIRouter(prefix="/items")


@items.get("")
def list_items(f: Annotated[ItemFilter, Depends()]) -> dict:
    hits = [it for it in ITEMS if f.matches(it)]
    return {"skip": f.skip, "limit": f.limit, "items": hits[f.skip : f.skip + f.limit]}


app = FastAPI()
app.include_router(users)
app.include_router(models)
app.include_router(items)
