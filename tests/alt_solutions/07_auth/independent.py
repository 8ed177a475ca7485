"""Kata 07 - OAuth2 password flow with JWT (independent solution, python-jose)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from pydantic import BaseModel

SECRET_KEY = os.environ.get("KATA_SECRET_KEY", "d8f3b0a6c1e94f27a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f901234")
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

# --- password hashing (scrypt, salt stored alongside) ---------------------------------------

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, hashed_password: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = hashed_password.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.urlsafe_b64decode(salt_b64)
        expected = base64.urlsafe_b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


fake_users_db: dict[str, dict[str, str]] = {
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

# Used to spend the same time on unknown usernames as on known ones.
_DUMMY_HASH = hash_password("not-a-real-password")

# --- schemas ---------------------------------------------------------------------------------


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class PublicUser(BaseModel):
    username: str
    full_name: str
    email: str


# --- auth plumbing ---------------------------------------------------------------------------

bearer = OAuth2PasswordBearer(tokenUrl="token")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _authenticate(username: str, password: str) -> dict[str, str] | None:
    record = fake_users_db.get(username)
    if record is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return record if verify_password(password, record["hashed_password"]) else None


def _issue_token(username: str) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": username, "exp": now + ACCESS_TOKEN_EXPIRE_MINUTES * 60}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def current_user(token: Annotated[str, Depends(bearer)]) -> dict[str, str]:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except (JWTError, ValueError, TypeError):
        raise _unauthorized("Could not validate credentials") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or "exp" not in claims:
        raise _unauthorized("Could not validate credentials")
    record = fake_users_db.get(subject)
    if record is None:
        raise _unauthorized("Could not validate credentials")
    return record


# --- routes ----------------------------------------------------------------------------------

router = APIRouter()


@router.post("/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    user = _authenticate(form.username, form.password)
    if user is None:
        raise _unauthorized("Incorrect username or password")
    return TokenOut(access_token=_issue_token(user["username"]))


@router.get("/users/me", response_model=PublicUser)
def read_me(user: Annotated[dict[str, str], Depends(current_user)]) -> dict[str, str]:
    return user


app = FastAPI(title="Kata 07 - auth")
app.include_router(router)
