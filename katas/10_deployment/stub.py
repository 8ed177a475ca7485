"""Kata 10 · Deploying FastAPI.

The task is in README.md next to this file. This kata has three files to edit: this app,
gunicorn.conf.py and Dockerfile, all in this folder. Grade them with:  pytest katas/10_deployment
"""

import os

from fastapi import FastAPI

# TODO: a Settings class (pydantic-settings) that reads the environment:
#   APP_NAME      the API's title, "Kata Deploy" when unset
#   DATABASE_URL  required: without it the app must refuse to start, naming the variable.
# Read it once, when the app starts, and give the app its title from it.


# TODO: a lifespan that marks the app ready once start-up has run, and not ready again as
#   soon as shutdown begins.
app = FastAPI()


# TODO: GET /healthz (liveness): 200 {"status": "ok"} whenever the process can answer.


# TODO: GET /readyz (readiness): 200 {"status": "ready"} after start-up, 503 before it and
#   after shutdown has begun.


# TODO: GET /pid answers {"pid": <the id of the process that served the request>} (os.getpid()).


# TODO: GET /whoami answers {"url": <this route's absolute URL, from request.url_for>,
#   "client": <the client's IP address>}.
