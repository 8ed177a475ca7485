"""Kata 02 variant: async, StrEnum, query-parameter model, pydantic response models."""

from enum import StrEnum

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

app = FastAPI()


class ModelName(StrEnum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


class Page(BaseModel):
    skip: int = Field(0, ge=0)
    limit: int = Field(10, ge=1, le=20)
    q: str | None = None
    tag: list[str] = []


class Item(BaseModel):
    id: int
    name: str
    tag: str


class ItemPage(BaseModel):
    skip: int
    limit: int
    items: list[Item]


class UserRef(BaseModel):
    user_id: int | str


@app.get("/users/me", response_model=UserRef)
async def me():
    return {"user_id": "me"}


@app.get("/users/{user_id}", response_model=UserRef)
async def user(user_id: int):
    return UserRef(user_id=user_id)


@app.get("/models/{model_name}")
async def model(model_name: ModelName):
    return {"model_name": model_name}


@app.get("/items", response_model=ItemPage)
async def items(page: Page = Query()):
    found = [
        it
        for it in ITEMS
        if (page.q is None or page.q in it["name"]) and (not page.tag or it["tag"] in page.tag)
    ]
    return ItemPage(skip=page.skip, limit=page.limit, items=found[page.skip :][: page.limit])
