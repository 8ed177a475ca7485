"""Kata 04 reference solution: the error format belongs to an application, so /v1 is its own app."""

import re
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    sku: str

    @field_validator("sku")
    @classmethod
    def sku_looks_like_abc_123(cls, sku: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}-[0-9]{3}", sku):
            raise ValueError("sku must look like ABC-123")
        return sku


class ItemNotFound(Exception):
    def __init__(self, item_id: int) -> None:
        super().__init__(f"item {item_id} not found")
        self.item_id = item_id


items: dict[int, dict] = {}
router = APIRouter()


@router.post("/items", status_code=201)
async def create_item(item: Item) -> dict:
    item_id = len(items) + 1
    items[item_id] = {"id": item_id, **item.model_dump()}
    return items[item_id]


@router.get("/items")
async def list_items(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict]:
    return list(items.values())[:limit]


@router.get("/items/{item_id}")
async def read_item(item_id: int) -> dict:
    if item_id not in items:
        raise ItemNotFound(item_id)
    return items[item_id]


async def item_not_found_handler(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse({"error": "item_not_found", "item_id": exc.item_id}, status_code=404)


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "location": error["loc"][0],
            "field": ".".join(str(part) for part in error["loc"][1:]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    return JSONResponse({"errors": errors}, status_code=422)


# Key idea: exception handlers belong to one application. /v1 is a separate FastAPI app
# that keeps the default 422 handler; only the main app replaces it.
v1 = FastAPI()
v1.include_router(router)
v1.add_exception_handler(ItemNotFound, item_not_found_handler)

app = FastAPI()
app.include_router(router)
app.add_exception_handler(ItemNotFound, item_not_found_handler)
app.add_exception_handler(RequestValidationError, validation_error_handler)
app.mount("/v1", v1)


@app.get("/admin")
async def admin() -> dict:
    raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
