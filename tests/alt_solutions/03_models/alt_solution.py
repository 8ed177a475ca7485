"""Kata 03, a second solution written from the README: sync routes on an APIRouter,
Annotated constraints, a shared base class, return annotations instead of
response_model=, and model objects (not dicts) returned."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, status
from pydantic import BaseModel, Field


class Address(BaseModel):
    street: str
    city: str


class UserBase(BaseModel):
    username: Annotated[str, Field(min_length=3, max_length=20)]
    age: Annotated[int, Field(gt=0)]
    address: Address


class NewUser(UserBase):
    password: Annotated[str, Field(min_length=8)]


class User(UserBase):
    id: int


class StoredUser(User):
    password: str


router = APIRouter(prefix="/users", tags=["users"])
db: list[StoredUser] = []


def public(stored: StoredUser) -> User:
    return User.model_validate(stored.model_dump(exclude={"password"}))


@router.post("", status_code=status.HTTP_201_CREATED)
def create(new: NewUser) -> User:
    stored = StoredUser(id=len(db) + 1, **new.model_dump())
    db.append(stored)
    return public(stored)


@router.get("/{user_id}")
def read(user_id: int) -> User:
    for stored in db:
        if stored.id == user_id:
            return public(stored)
    raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")


app = FastAPI()
app.include_router(router)
