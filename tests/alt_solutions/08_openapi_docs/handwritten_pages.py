"""Kata 08, written from the README alone: both docs pages written by hand with the helpers of
fastapi.openapi.docs (no OAuth2 helper page), the schema built once with get_openapi, the
routes on a tagged APIRouter, the example given per field with Field(examples=...), and the
404 documented by a route-level `responses` with an inline description."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Path
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

TITLE = "Kata Library"
SCHEMA = "/api/openapi.json"

app = FastAPI(title=TITLE, version="1.2.0", openapi_url=None, docs_url=None, redoc_url=None)


class NewBook(BaseModel):
    title: Annotated[str, Field(examples=["Dune"])]
    author: Annotated[str, Field(examples=["Frank Herbert"])]
    year: Annotated[int, Field(examples=[1965])]


class StoredBook(BaseModel):
    id: int
    title: str
    author: str
    year: int


class NotFound(BaseModel):
    detail: str


catalogue: list[StoredBook] = []

books = APIRouter(prefix="/books", tags=["books"])


@books.get(
    "/{book_id}",
    summary="Read one book",
    description="Looks a book up by its numeric id.",
    responses={404: {"model": NotFound, "description": "Book not found"}},
)
async def one_book(book_id: Annotated[int, Path(description="The book's id")]) -> StoredBook:
    for book in catalogue:
        if book.id == book_id:
            return book
    raise HTTPException(404, "Book not found")


@books.post("", status_code=201, summary="Add a book", description="Stores the book and gives it the next id.")
async def new_book(book: NewBook) -> StoredBook:
    stored = StoredBook(id=max((b.id for b in catalogue), default=0) + 1, **book.model_dump())
    catalogue.append(stored)
    return stored


app.include_router(books)


@app.get("/health", include_in_schema=False)
async def health() -> dict:
    return {"status": "ok"}


_schema: dict | None = None


def build_schema() -> dict:
    global _schema
    if _schema is None:
        _schema = get_openapi(
            title=TITLE,
            version=app.version,
            description="Books by id, and a way to add them.",
            routes=app.routes,
            tags=[{"name": "books", "description": "The catalogue of books."}],
            contact={"name": "Kata Library team", "email": "library@example.com"},
            license_info={"name": "MIT", "url": "https://opensource.org/license/mit"},
        )
    return _schema


@app.get(SCHEMA, include_in_schema=False)
async def schema() -> dict:
    return build_schema()


@app.get("/api/docs", include_in_schema=False)
async def swagger() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=SCHEMA, title=f"{TITLE} · Swagger UI", oauth2_redirect_url=None)


@app.get("/api/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url=SCHEMA, title=f"{TITLE} · ReDoc")
