"""Kata 08 variant: built-in docs settings, a custom app.openapi for the metadata,
Field(examples=...) per field, an inline 404 schema from the model, a Starlette route for /health."""

from fastapi import FastAPI, HTTPException
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

app = FastAPI(
    title="Kata Library",
    version="1.2.0",
    openapi_url="/api/openapi.json",
    docs_url="/api/docs",
    redoc_url="/api/redoc",
    swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
)


class BookIn(BaseModel):
    title: str = Field(examples=["Dune"])
    author: str = Field(examples=["Frank Herbert"])
    year: int = Field(examples=[1965])


class Book(BookIn):
    id: int


class Message(BaseModel):
    detail: str


BOOKS: dict[int, Book] = {}


@app.get(
    "/books/{book_id}",
    tags=["books"],
    summary="Read one book",
    description="Looks a book up by its numeric id.",
    responses={
        404: {
            "description": "Book not found",
            "content": {"application/json": {"schema": Message.model_json_schema()}},
        }
    },
)
async def read_book(book_id: int) -> Book:
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="Book not found")
    return BOOKS[book_id]


@app.post("/books", status_code=201, tags=["books"], summary="Add a book",
          description="Adds a book to the catalogue and returns it with its id.")
async def add_book(book: BookIn) -> Book:
    new = Book(id=len(BOOKS) + 1, **book.model_dump())
    BOOKS[new.id] = new
    return new


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app.add_route("/health", health, methods=["GET"])


def custom_openapi() -> dict:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description="Books, documented properly.",
            routes=app.routes,
            contact={"name": "Kata Library team", "url": "https://kata-library.example/team"},
            license_info={"name": "MIT", "url": "https://opensource.org/license/mit"},
            tags=[{"name": "books", "description": "The book catalogue."}],
        )
        app.openapi_schema = schema
    return app.openapi_schema


app.openapi = custom_openapi
