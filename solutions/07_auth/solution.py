"""Kata 07 reference solution: OAuth2 password flow with signed, expiring JWTs."""

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from pydantic import BaseModel

# A real deployment reads the key from its environment; a random one means a restart logs everyone out.
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32)
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, hashed_password: str) -> bool:
    try:
        scheme, salt, expected = hashed_password.split("$")
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT)
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(digest.hex(), expected)


fake_users_db = {
    "alice": {
        "username": "alice",
        "full_name": "Alice Liddell",
        "email": "alice@example.com",
        "hashed_password": hash_password("wonderland"),
    },
    "bob": {
        "username": "bob",
        "full_name": "Bob Builder",
        "email": "bob@example.com",
        "hashed_password": hash_password("can-we-fix-it"),
    },
}


class User(BaseModel):
    username: str
    full_name: str
    email: str


class Token(BaseModel):
    access_token: str
    token_type: str


app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = fake_users_db.get(form.username)
    if user is None or not verify_password(form.password, user["hashed_password"]):
        raise unauthorized("Incorrect username or password")
    expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    token = jwt.encode({"sub": form.username, "exp": expire}, SECRET_KEY, algorithm=ALGORITHM)
    return Token(access_token=token, token_type="bearer")


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        # Key idea: decode checks the signature, pins the algorithm and refuses an expired token.
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except JWTError:
        raise unauthorized("Could not validate credentials") from None
    user = fake_users_db.get(payload.get("sub"))
    if user is None:
        raise unauthorized("Could not validate credentials")
    return User(**user)


@app.get("/users/me")
async def read_users_me(user: Annotated[User, Depends(get_current_user)]) -> User:
    return user
