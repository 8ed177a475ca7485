"""Kata 08, independent solution: hand-written docs routes, APIRouter tags, openapi_examples."""

from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

TITLE = "Kata Library"
SCHEMA_URL = "/api/openapi.json"

app = FastAPI(
    title=TITLE,
    version="1.2.0",
    description="A tiny catalogue of books, used to practise OpenAPI documentation.",
    contact={"name": "Kata Library team", "email": "team@kata-library.example"},
    license_info={"name": "MIT", "identifier": "MIT"},
    openapi_tags=[{"name": "books", "description": "Read and add books in the catalogue."}],
    openapi_url=SCHEMA_URL,
    docs_url=None,
    redoc_url=None,
)


class BookIn(BaseModel):
    title: str
    author: str
    year: int


class Book(BookIn):
    id: int


class Message(BaseModel):
    detail: str


BOOKS: dict[int, Book] = {}

books = APIRouter(prefix="/books", tags=["books"])

DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965}


@books.get(
    "/{book_id}",
    summary="Read one book",
    responses={404: {"model": Message, "description": "Book not found"}},
)
def read_book(book_id: int) -> Book:
    """Return the book with this id, or a 404 if the catalogue has no such book."""
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="Book not found")
    return BOOKS[book_id]


@books.post("", status_code=201, summary="Add a book")
def add_book(
    book: Annotated[
        BookIn,
        Body(openapi_examples={"dune": {"summary": "A classic", "value": DUNE}}),
    ],
) -> Book:
    """Store a new book and return it with the id it was given."""
    new = Book(id=len(BOOKS) + 1, **book.model_dump())
    BOOKS[new.id] = new
    return new


@app.get("/health", include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


docs = APIRouter(prefix="/api", include_in_schema=False)


@docs.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=SCHEMA_URL, title=f"{TITLE} - Swagger UI")


@docs.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url=SCHEMA_URL, title=f"{TITLE} - ReDoc")


app.include_router(books)
app.include_router(docs)
