"""Kata 04, written from the README alone: a router factory (each app keeps its own items),
handlers registered with @app.exception_handler, an sku check made of slices and sets,
and the location/field split done with tuple unpacking."""

from itertools import count
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")


class Item(BaseModel):
    name: str
    price: Annotated[float, Field(gt=0)]
    sku: str

    @field_validator("sku")
    @classmethod
    def check_sku(cls, value: str) -> str:
        head, dash, tail = value[:3], value[3:4], value[4:]
        if not (len(value) == 7 and set(head) <= LETTERS and dash == "-" and set(tail) <= DIGITS):
            raise ValueError("sku must look like ABC-123")
        return value


class ItemNotFound(KeyError):
    def __init__(self, item_id: int) -> None:
        super().__init__(item_id)
        self.item_id = item_id


def item_routes() -> APIRouter:
    """The three item routes, over a store of their own."""
    router = APIRouter(prefix="/items")
    store: dict[int, dict] = {}
    ids = count(1)

    @router.post("", status_code=status.HTTP_201_CREATED)
    def add(item: Item):
        item_id = next(ids)
        store[item_id] = {"id": item_id, **item.model_dump()}
        return store[item_id]

    @router.get("")
    def listing(limit: int = Query(default=10, ge=1, le=100)):
        return [*store.values()][:limit]

    @router.get("/{item_id}")
    def one(item_id: int):
        if item_id in store:
            return store[item_id]
        raise ItemNotFound(item_id)

    return router


def not_found(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse({"error": "item_not_found", "item_id": exc.item_id}, status_code=404)


legacy = FastAPI(title="Shop v1")
legacy.include_router(item_routes())
legacy.exception_handler(ItemNotFound)(not_found)

app = FastAPI(title="Shop")
app.include_router(item_routes())
app.exception_handler(ItemNotFound)(not_found)


@app.exception_handler(RequestValidationError)
async def our_format(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        location, *path = error["loc"]
        errors.append({"location": location, "field": ".".join(f"{part}" for part in path),
                       "message": error["msg"], "type": error["type"]})
    return JSONResponse({"errors": errors}, status_code=422)


@app.get("/admin")
def admin():
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})


app.mount("/v1", legacy)
