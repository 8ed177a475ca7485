"""Kata 03 reference solution: one set of models validates what comes in and filters what goes out."""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class Address(BaseModel):
    street: str
    city: str


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=20)
    password: str = Field(min_length=8)
    age: int = Field(gt=0)
    address: Address


class UserOut(BaseModel):
    id: int
    username: str
    age: int
    address: Address


USERS: dict[int, UserIn] = {}


# Key idea: the handler returns everything it has, password included; response_model
# is the filter, so only UserOut's fields ever leave the API (and the docs say so).
@app.post("/users", status_code=201, response_model=UserOut)
async def create_user(user: UserIn):
    user_id = len(USERS) + 1
    USERS[user_id] = user
    return {"id": user_id, **user.model_dump()}


@app.get("/users/{user_id}", response_model=UserOut)
async def read_user(user_id: int):
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail="User not found")
    return {"id": user_id, **USERS[user_id].model_dump()}
