"""Kata 03 · Pydantic models.

The task is in README.md next to this file. Grade it with:  pytest katas/03_models
"""

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Address(BaseModel):
    # TODO: street and city, both required text.
    pass


class UserIn(BaseModel):
    # TODO: what a client sends: username (3 to 20 characters), password (8 characters or more),
    #       age (a whole number above 0) and address (an Address). Field(...) holds the limits.
    pass


class UserOut(BaseModel):
    # TODO: what the API answers: id, username, age and address. Never the password.
    pass


# TODO: POST /users validates a UserIn, stores it under the next id (1, 2, 3, …)
#       and answers 201 with the user as UserOut.


# TODO: GET /users/{user_id} answers 200 with the stored user as UserOut, or 404 if there is none.
