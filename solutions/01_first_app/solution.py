"""Kata 01 reference solution: one typed model gives validation, serialisation and docs."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="Kata Shop")


class Item(BaseModel):
    name: str
    price: float
    in_stock: bool = True


@app.get("/")
async def read_root() -> dict[str, str]:
    return {"message": "Hello, FastAPI!"}


@app.post("/items")
async def create_item(item: Item) -> Item:
    # Key idea: the type hint is the validator. A bad body never reaches this line.
    return item
