"""Kata 08, a second solution written from the README alone.

Style: async routes, an APIRouter per area, Annotated parameters, named OpenAPI examples on the
body, and docs pages served by hand-written routes (FastAPI's built-in ones are switched off).
"""

from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, HTTPException, Path
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

SCHEMA_URL = "/api/openapi.json"

app = FastAPI(
    title="Kata Library",
    version="1.2.0",
    description="Look books up by id and add new ones to the **Kata Library** catalogue.",
    contact={"name": "Kata Library team", "email": "library@example.com"},
    license_info={"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
    openapi_tags=[{"name": "books", "description": "The book catalogue."}],
    # Built-in schema and pages off: the routes at the bottom serve them under /api.
    openapi_url=None,
    docs_url=None,
    redoc_url=None,
)


class NewBook(BaseModel):
    title: str
    author: str
    year: int


class StoredBook(NewBook):
    id: int


class ErrorBody(BaseModel):
    detail: str


catalogue: dict[int, StoredBook] = {}
books = APIRouter(prefix="/books", tags=["books"])
ops = APIRouter()


@books.get(
    "/{book_id}",
    summary="Read one book",
    description="Looks a book up by its numeric id.",
    responses={404: {"model": ErrorBody, "description": "Book not found"}},
)
async def get_book(book_id: Annotated[int, Path(ge=1)]) -> StoredBook:
    book = catalogue.get(book_id)
    if book is None:
        raise HTTPException(404, "Book not found")
    return book


@books.post("", status_code=201, summary="Add a book", description="Stores a book and gives it an id.")
async def create_book(
    book: Annotated[
        NewBook,
        Body(
            openapi_examples={
                "dune": {
                    "summary": "A classic",
                    "value": {"title": "Dune", "author": "Frank Herbert", "year": 1965},
                }
            }
        ),
    ],
) -> StoredBook:
    stored = StoredBook(id=max(catalogue, default=0) + 1, **book.model_dump())
    catalogue[stored.id] = stored
    return stored


@ops.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app.include_router(books)
app.include_router(ops, include_in_schema=False)


@app.get(SCHEMA_URL, include_in_schema=False)
async def openapi_schema() -> JSONResponse:
    return JSONResponse(app.openapi())


@app.get("/api/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=SCHEMA_URL, title=f"{app.title} - Swagger UI")


@app.get("/api/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url=SCHEMA_URL, title=f"{app.title} - ReDoc")
