"""Kata 03, independent solution: shared base, Annotated constraints, response_model, sync handlers."""

from itertools import count
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


class UserCreate(UserBase):
    password: Annotated[str, Field(min_length=8)]


class UserPublic(UserBase):
    id: int


_db: dict[int, UserCreate] = {}
_ids = count(1)

router = APIRouter(prefix="/users")


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(user: UserCreate):
    uid = next(_ids)
    _db[uid] = user
    return {"id": uid, **user.model_dump()}  # password dropped by response_model


@router.get("/{user_id}", response_model=UserPublic)
def read_user(user_id: int):
    user = _db.get(user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    return {"id": user_id, **user.model_dump()}


app = FastAPI()
app.include_router(router)
