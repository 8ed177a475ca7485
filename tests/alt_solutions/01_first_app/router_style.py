"""Kata 01, written from the README alone: an APIRouter, Annotated fields with descriptions,
sync routes, and a dict returned through response_model."""

from typing import Annotated

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field


class Item(BaseModel):
    name: Annotated[str, Field(description="What the item is called")]
    price: Annotated[float, Field(description="Its price")]
    in_stock: Annotated[bool, Field(description="Whether it can be ordered")] = True


shop = APIRouter()


@shop.get("/")
def hello():
    return {"message": "Hello, FastAPI!"}


@shop.post("/items", response_model=Item)
def add_item(item: Item):
    return item.model_dump()


app = FastAPI(title="Kata Shop", version="1.0.0")
app.include_router(shop)
