"""Kata 04, second solution written from the README alone.

Style: sync routes, an app factory instead of a shared router, Annotated AfterValidator for the
sku, Query defaults instead of Annotated, pydantic models for the answers, decorator-free handler
registration through the FastAPI constructor.
"""

import string
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, PositiveFloat


def check_sku(value: str) -> str:
    letters, dash, digits = value[:3], value[3:4], value[4:]
    ok = (
        len(value) == 7
        and all(c in string.ascii_uppercase for c in letters)
        and dash == "-"
        and len(digits) == 3
        and all(c in string.digits for c in digits)
    )
    if not ok:
        raise ValueError("sku must look like ABC-123")
    return value


class Item(BaseModel):
    name: str
    price: PositiveFloat
    sku: Annotated[str, AfterValidator(check_sku)]


class StoredItem(Item):
    id: int


class ItemNotFound(LookupError):
    def __init__(self, item_id):
        self.item_id = item_id
        super().__init__(item_id)


def item_not_found(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"error": "item_not_found", "item_id": exc.item_id})


def errors_in_house_format(request: Request, exc: RequestValidationError) -> JSONResponse:
    out = []
    for err in exc.errors():
        where, *rest = err["loc"]
        out.append({"location": where, "field": ".".join(map(str, rest)), "message": err["msg"], "type": err["type"]})
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"errors": out})


def build_shop(handlers: dict) -> FastAPI:
    shop = FastAPI(exception_handlers={ItemNotFound: item_not_found, **handlers})
    store: list[StoredItem] = []

    @shop.post("/items", status_code=status.HTTP_201_CREATED, response_model=StoredItem)
    def create(item: Item):
        stored = StoredItem(id=len(store) + 1, **item.model_dump())
        store.append(stored)
        return stored

    @shop.get("/items", response_model=list[StoredItem])
    def listing(limit: int = Query(10, ge=1, le=100)):
        return store[:limit]

    @shop.get("/items/{item_id}", response_model=StoredItem)
    def one(item_id: int):
        for stored in store:
            if stored.id == item_id:
                return stored
        raise ItemNotFound(item_id)

    return shop


app = build_shop({RequestValidationError: errors_in_house_format})
app.mount("/v1", build_shop({}))


@app.get("/admin")
def admin():
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
