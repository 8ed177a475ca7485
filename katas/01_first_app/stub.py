"""Kata 01 · Your first FastAPI app.

The task is in README.md next to this file. Grade it with:  pytest katas/01_first_app
"""

from fastapi import FastAPI
from pydantic import BaseModel

# TODO: the API's title is "Kata Shop".
app = FastAPI()


class Item(BaseModel):
    # TODO: name (text), price (a number) and in_stock (true or false, true when not sent).
    pass


# TODO: GET / answers {"message": "Hello, FastAPI!"}.


# TODO: POST /items takes an Item as its JSON body and answers with the item it received.
