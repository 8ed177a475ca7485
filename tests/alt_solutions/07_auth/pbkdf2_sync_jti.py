"""Kata 07, written from the README alone: PBKDF2 with its iteration count stored in the hash,
sync routes, a token with iat and a random jti besides sub and exp, and an optional bearer
scheme whose missing token is refused by the dependency itself."""

import base64
import hashlib
import hmac
import os
import time
import uuid
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import jwt
from jose.exceptions import JOSEError
from pydantic import BaseModel

SECRET_KEY = os.environ.get("KATA_SECRET", "a-long-random-secret-for-the-kata-" + uuid.uuid4().hex)
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

ITERATIONS = 120_000


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ITERATIONS)
    encode = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"pbkdf2_sha256${ITERATIONS}${encode(salt)}${encode(digest)}"


def verify_password(password: str, hashed_password: str) -> bool:
    parts = hashed_password.split("$") if isinstance(hashed_password, str) else []
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isdigit():
        return False
    try:
        salt = base64.b64decode(parts[2], validate=True)
        expected = base64.b64decode(parts[3], validate=True)
    except ValueError:
        return False
    if not salt or not expected:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, int(parts[1]))
    return hmac.compare_digest(actual, expected)


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


class PublicUser(BaseModel):
    username: str
    full_name: str
    email: str


app = FastAPI(title="Kata 07, PBKDF2 edition")
bearer = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)

CHALLENGE = {"WWW-Authenticate": "Bearer"}


@app.post("/token")
def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    record = fake_users_db.get(form.username)
    # Hash something even for an unknown user, so both refusals take about as long.
    stored = record["hashed_password"] if record else hash_password("nobody")
    if not verify_password(form.password, stored) or record is None:
        raise HTTPException(401, "Incorrect username or password", headers=CHALLENGE)
    now = int(time.time())
    claims = {"sub": record["username"], "iat": now, "exp": now + ACCESS_TOKEN_EXPIRE_MINUTES * 60, "jti": uuid.uuid4().hex}
    return {"access_token": jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM), "token_type": "bearer"}


def current_user(token: Annotated[str | None, Depends(bearer)]) -> PublicUser:
    refused = HTTPException(401, "Not authenticated", headers=CHALLENGE)
    if not token:
        raise refused
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except JOSEError:
        raise refused from None
    record = fake_users_db.get(claims.get("sub")) if isinstance(claims.get("sub"), str) else None
    if record is None:
        raise refused
    return PublicUser.model_validate(record, from_attributes=False)


@app.get("/users/me", response_model=PublicUser)
def users_me(user: Annotated[PublicUser, Depends(current_user)]):
    return user
