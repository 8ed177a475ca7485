"""Kata 02 · Path and query parameters.

The task is in README.md next to this file. Grade it with:  pytest katas/02_path_query
"""

from fastapi import FastAPI

# The shop's 25 items: item-0 … item-24, tagged red, green, blue, red, green, blue, …
ITEMS = [{"id": i, "name": f"item-{i}", "tag": ("red", "green", "blue")[i % 3]} for i in range(25)]

app = FastAPI()


# TODO: GET /users/me answers {"user_id": "me"} (the signed-in user; no number is parsed).


# TODO: GET /users/{user_id} answers {"user_id": <the id as an int>}; a non-number is a 422.


# TODO: GET /models/{model_name} accepts only alexnet, resnet or lenet and answers
#       {"model_name": <the name>}; any other name is a 422.


# TODO: GET /items pages through ITEMS with the query parameters
#       skip (0 or more, default 0) and limit (1 to 20, default 10),
#       filters by q (part of the name) and tag (may be repeated) when they are sent,
#       and answers {"skip": ..., "limit": ..., "items": [...]}.
