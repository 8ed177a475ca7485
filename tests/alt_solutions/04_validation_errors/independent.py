import re
from itertools import count
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

SKU_RE = re.compile(r"[A-Z]{3}-[0-9]{3}")


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    sku: str

    @field_validator("sku")
    @classmethod
    def check_sku(cls, v: str) -> str:
        if not SKU_RE.fullmatch(v):
            raise ValueError("sku must look like ABC-123")
        return v


class StoredItem(Item):
    id: int


class ItemNotFound(Exception):
    def __init__(self, item_id: int) -> None:
        super().__init__(item_id)
        self.item_id = item_id


_items: dict[int, StoredItem] = {}
_ids = count(1)

router = APIRouter()


@router.post("/items", status_code=status.HTTP_201_CREATED)
def create_item(item: Item) -> StoredItem:
    stored = StoredItem(id=next(_ids), **item.model_dump())
    _items[stored.id] = stored
    return stored


@router.get("/items")
def list_items(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[StoredItem]:
    return list(_items.values())[:limit]


@router.get("/items/{item_id}")
def get_item(item_id: int) -> StoredItem:
    try:
        return _items[item_id]
    except KeyError:
        raise ItemNotFound(item_id) from None


async def item_not_found_handler(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse(
        status_code=404, content={"error": "item_not_found", "item_id": exc.item_id}
    )


async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        errors.append(
            {
                "location": str(loc[0]) if loc else "",
                "field": ".".join(str(p) for p in loc[1:]),
                "message": err.get("msg"),
                "type": err.get("type"),
            }
        )
    return JSONResponse(status_code=422, content={"errors": errors})


v1 = FastAPI()
v1.include_router(router)
v1.add_exception_handler(ItemNotFound, item_not_found_handler)

app = FastAPI()
app.include_router(router)
app.add_exception_handler(ItemNotFound, item_not_found_handler)
app.add_exception_handler(RequestValidationError, validation_handler)


@app.get("/admin")
def admin():
    raise HTTPException(
        status_code=401,
        detail="Not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


app.mount("/v1", v1)
