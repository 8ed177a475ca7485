from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="Kata Shop")


class Item(BaseModel):
    name: str
    price: float
    in_stock: bool = True


@app.get("/")
def root() -> dict[str, str]:
    return {"message": "Hello, FastAPI!"}


@app.post("/items", response_model=Item)
def create_item(item: Item):
    return item
