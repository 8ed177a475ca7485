from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="Kata Shop")


class Item(BaseModel):
    name: str
    price: float
    in_stock: bool = True


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello, FastAPI!"}


@app.post("/items")
async def create_item(item: Item) -> Item:
    return item
