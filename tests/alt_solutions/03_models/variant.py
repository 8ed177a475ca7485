"""Kata 03 variant: async, return annotations, StringConstraints, ge=1, password hidden by exclude=True."""

from typing import Annotated

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

app = FastAPI()


class Address(BaseModel):
    street: str
    city: str


class NewUser(BaseModel):
    username: Annotated[str, StringConstraints(min_length=3, max_length=20)]
    password: Annotated[str, StringConstraints(min_length=8)]
    age: Annotated[int, Field(ge=1)]
    address: Address


class User(BaseModel):
    """A stored user. It keeps the password, but never serialises it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    age: int
    address: Address
    password: str = Field(exclude=True)


USERS: dict[int, User] = {}


@app.post("/users", status_code=201)
async def create_user(body: NewUser) -> User:
    user = User(id=len(USERS) + 1, **body.model_dump())
    USERS[user.id] = user
    return user


@app.get("/users/{user_id}")
async def get_user(user_id: int) -> User:
    try:
        return USERS[user_id]
    except KeyError:
        raise HTTPException(404, "no such user") from None
