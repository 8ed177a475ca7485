"""Kata 08 reference solution: the docs are generated from the app, so documenting is annotating."""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict

DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965}

# Key idea: /docs and /redoc only render the schema at openapi_url, so moving that URL and the
# two page URLs (plus Swagger UI's OAuth2 helper page) moves everything; no page is written by hand.
app = FastAPI(
    title="Kata Library",
    version="1.2.0",
    description="A small catalogue of books. Read one by id, or add one.",
    contact={"name": "Kata Library team", "url": "https://example.com/library"},
    license_info={"name": "MIT", "identifier": "MIT"},
    openapi_tags=[{"name": "books", "description": "Read and add books in the catalogue."}],
    openapi_url="/api/openapi.json",
    docs_url="/api/docs",
    redoc_url="/api/redoc",
    swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
)


class BookIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DUNE]})

    title: str
    author: str
    year: int


class Book(BookIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 1, **DUNE}]})

    id: int


class Message(BaseModel):
    detail: str


BOOKS: dict[int, Book] = {}


@app.get(
    "/books/{book_id}",
    tags=["books"],
    summary="Read one book",
    responses={404: {"model": Message, "description": "Book not found"}},
)
def read_book(book_id: int) -> Book:
    """Return the book with this id, or 404 when the catalogue has none."""
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="Book not found")
    return BOOKS[book_id]


@app.post("/books", status_code=201, tags=["books"], summary="Add a book")
def add_book(book: BookIn) -> Book:
    """Add a book to the catalogue and return it with its new id."""
    new = Book(id=len(BOOKS) + 1, **book.model_dump())
    BOOKS[new.id] = new
    return new


@app.get("/health", include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}
