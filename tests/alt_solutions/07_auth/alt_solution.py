"""Kata 07, second solution written from the README alone.

A different shape from the reference: sync handlers on an APIRouter, a class-based token
authority used as a dependency, `= Depends()` defaults instead of Annotated, PBKDF2 instead of
scrypt, and an `exp` computed from time.time() instead of datetime.
"""

import base64
import hashlib
import hmac
import os
import time

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import jwt
from jose.exceptions import JOSEError

SECRET_KEY = os.environ.get("KATA07_SECRET", "alt-solution-secret-0123456789abcdef0123456789")
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

PBKDF2_ROUNDS = 120_000


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${PBKDF2_ROUNDS}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, hashed_password: str) -> bool:
    parts = hashed_password.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256":
        return False
    try:  # a broken entry in the store matches no password (README rule 1), it does not raise
        rounds, salt, digest = int(parts[1]), base64.b64decode(parts[2]), base64.b64decode(parts[3])
    except ValueError:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return hmac.compare_digest(candidate, digest)


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

_DUMMY_HASH = hash_password("no user has this password")


class Unauthorized(HTTPException):
    def __init__(self, detail: str = "Not authenticated") -> None:
        super().__init__(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class TokenAuthority:
    """Issues tokens and, called as a dependency, turns a bearer token into a user."""

    scheme = OAuth2PasswordBearer(tokenUrl="token")

    def issue(self, username: str) -> str:
        claims = {"sub": username, "exp": int(time.time()) + ACCESS_TOKEN_EXPIRE_MINUTES * 60}
        return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)

    def __call__(self, token: str = Depends(scheme)) -> dict:
        try:
            claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"require_exp": True})
        except (JOSEError, ValueError):
            raise Unauthorized("Invalid or expired token") from None
        username = claims.get("sub")
        user = fake_users_db.get(username) if isinstance(username, str) else None
        if user is None:
            raise Unauthorized("Invalid or expired token")
        return {key: user[key] for key in ("username", "full_name", "email")}


authority = TokenAuthority()
router = APIRouter()


@router.post("/token")
def issue_token(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = fake_users_db.get(form.username)
    stored = user["hashed_password"] if user else _DUMMY_HASH  # same work for unknown users
    if not verify_password(form.password, stored) or user is None:
        raise Unauthorized("Incorrect username or password")
    return {"access_token": authority.issue(form.username), "token_type": "bearer"}


@router.get("/users/me")
def users_me(user: dict = Depends(authority)) -> dict:
    return user


app = FastAPI()
app.include_router(router)
