"""Kata 08 · OpenAPI docs: /docs, /redoc and the schema behind them.

The task is in README.md next to this file. Grade it with:  pytest katas/08_openapi_docs

The book API below already works. Your job is its documentation: do not change what the
routes answer, change what the schema says about them and where the docs are served.
"""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

# TODO: the schema's info: title "Kata Library", version "1.2.0", a description,
#       a contact named "Kata Library team" (with a url or an email) and the MIT license.
# TODO: describe the "books" tag.
# TODO: serve the schema at /api/openapi.json, Swagger UI at /api/docs and ReDoc at /api/redoc;
#       /openapi.json, /docs, /docs/oauth2-redirect and /redoc must answer 404.
app = FastAPI()


class BookIn(BaseModel):
    # TODO: document the example body {"title": "Dune", "author": "Frank Herbert", "year": 1965}
    #       (here on the model, or on the route's body parameter).
    title: str
    author: str
    year: int


class Book(BookIn):
    id: int


class Message(BaseModel):
    detail: str


BOOKS: dict[int, Book] = {}


# TODO: tag "books", summary "Read one book", a description, and document the 404 answer
#       ("Book not found", its body shaped like Message).
@app.get("/books/{book_id}")
def read_book(book_id: int) -> Book:
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="Book not found")
    return BOOKS[book_id]


# TODO: tag "books", summary "Add a book", a description.
@app.post("/books", status_code=201)
def add_book(book: BookIn) -> Book:
    new = Book(id=len(BOOKS) + 1, **book.model_dump())
    BOOKS[new.id] = new
    return new


# TODO: keep it working, but leave it out of the schema.
@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
