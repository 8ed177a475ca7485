"""Kata 04 · Validation errors: the 422 body and custom handlers.

The task is in README.md next to this file. Grade it with:  pytest katas/04_validation_errors
"""

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator


class Item(BaseModel):
    # TODO: name (text), price (a float greater than 0) and sku (text). A validator on sku refuses
    # anything but 3 capital letters, a dash and 3 digits, with the message "sku must look like ABC-123".
    pass


class ItemNotFound(Exception):
    # TODO: ItemNotFound(item_id) remembers the id it was raised for.
    pass


# The main app: its 422 body is the kata's own {"errors": [...]} (README, task 4).
app = FastAPI()

# TODO: v1, a second FastAPI app with the same item routes and FastAPI's default 422 body,
#       mounted on the main app at /v1 (README, task 2).

# TODO: POST /items (201), GET /items?limit= (1..100, default 10) and GET /items/{item_id}
#       on both apps; an unknown id raises ItemNotFound.

# TODO: a handler for ItemNotFound on both apps: 404 {"error": "item_not_found", "item_id": <id>}.

# TODO: replace the main app's RequestValidationError handler (README, task 4).

# TODO: GET /admin raises HTTPException 401 "Not authenticated" with WWW-Authenticate: Bearer.
