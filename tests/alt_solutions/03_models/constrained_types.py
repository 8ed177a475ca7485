"""Kata 03, written from the README alone: constr/PositiveInt constrained types, the address as a
TypedDict, an APIRouter with a prefix, a list as the store and model_dump(exclude=...) on the way out."""

from typing_extensions import TypedDict

from fastapi import APIRouter, FastAPI, HTTPException, status
from pydantic import BaseModel, PositiveInt, constr


class Address(TypedDict):
    street: str
    city: str


class PublicUser(BaseModel):
    id: int
    username: str
    age: int
    address: Address


class SignUp(BaseModel):
    username: constr(min_length=3, max_length=20)
    password: constr(min_length=8)
    age: PositiveInt
    address: Address


accounts: list[SignUp] = []
users = APIRouter(prefix="/users")


@users.post("", status_code=status.HTTP_201_CREATED, response_model=PublicUser)
async def sign_up(form: SignUp) -> PublicUser:
    accounts.append(form)
    return PublicUser(id=len(accounts), **form.model_dump(exclude={"password"}))


@users.get("/{user_id}", response_model=PublicUser)
async def profile(user_id: int) -> PublicUser:
    if not 1 <= user_id <= len(accounts):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"There is no user {user_id}")
    form = accounts[user_id - 1]
    return PublicUser(id=user_id, **form.model_dump(exclude={"password"}))


app = FastAPI()
app.include_router(users)
