"""Kata 07 · OAuth2 password flow with JWT.

The task is in README.md next to this file. Grade it with:  pytest katas/07_auth
"""

from fastapi import FastAPI

# The tests sign and read tokens with these three names: keep them, and use them.
SECRET_KEY = "change-me: read me from the environment in a real app"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30


def hash_password(password: str) -> str:
    # TODO: return a salted hash of the password, never the password itself
    # (hashlib.scrypt or hashlib.pbkdf2_hmac, with a random salt from os.urandom).
    return password


def verify_password(password: str, hashed_password: str) -> bool:
    # TODO: True only if `password` is the one `hashed_password` was made from.
    raise NotImplementedError("verify_password is not written yet")


# The user store. Keep these keys: the tests read and add entries while your app runs.
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

app = FastAPI()

# TODO: an OAuth2PasswordBearer scheme whose tokenUrl is "token".


# TODO: POST /token takes the OAuth2 password form (OAuth2PasswordRequestForm) and answers
# {"access_token": <a JWT with sub and exp>, "token_type": "bearer"}, or 401 if the
# username or password is wrong.


# TODO: a dependency that turns the bearer token into the user, or raises 401 with the
# header WWW-Authenticate: Bearer.


# TODO: GET /users/me answers the current user: username, full_name and email only.
