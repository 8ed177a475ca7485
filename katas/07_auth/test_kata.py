"""Kata 07 · OAuth2 password flow with JWT: who you are, proven by a signed, expiring token.

Tokens are forged and read with the graded file's own SECRET_KEY and ALGORITHM (README
contract), so any JWT library that writes standard HS256 tokens passes. The learner's module is
reached only through the `learner` fixture (values, calls, entries of fake_users_db), and the
`clock` fixture stops and moves time for the test and the app alike (time-machine underneath).
"""

import base64
import json
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from jose import jwt

USERS = {
    "alice": ("wonderland", {"username": "alice", "full_name": "Alice Liddell", "email": "alice@example.com"}),
    "bob": ("can-we-fix-it", {"username": "bob", "full_name": "Bob Builder", "email": "bob@example.com"}),
}
# A whole second, so that every way of writing exp (int, float, datetime) lands on the same value.
START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
# The README's ACCESS_TOKEN_EXPIRE_MINUTES: a token lives 30 minutes.
LIFETIME_MINUTES = 30


def json_of(response):
    try:
        return response.json()
    except ValueError:
        return None


def login(client, username: str, password: str):
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data=form)


def token_for(client, username: str, password: str | None = None) -> str:
    password = password or USERS[username][0]
    response = login(client, username, password)
    assert response.status_code == 200, (
        f"POST /token as {username}/{password} → expected 200, got {response.status_code}: {response.text}"
    )
    body = json_of(response)
    token = body.get("access_token") if isinstance(body, dict) else None
    assert isinstance(token, str), f"POST /token as {username} → expected an access_token string, got {response.text}"
    return token


def me(client, token: str):
    return client.get("/users/me", headers={"Authorization": f"Bearer {token}"})


def forge(learner, claims: dict, *, key: str | None = None, algorithm: str | None = None) -> str:
    """A token signed like the app signs them, unless told otherwise."""
    return jwt.encode(claims, key or learner.value("SECRET_KEY"), algorithm=algorithm or learner.value("ALGORITHM"))


def soon() -> int:
    return int(time.time()) + 600


def b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def short(token: str) -> str:
    return token if len(token) <= 40 else f"{token[:20]}…{token[-12:]}"


def assert_rejected(response, sent: str) -> None:
    """401 with a Bearer challenge, the answer to every bad or missing credential."""
    assert response.status_code == 401, f"{sent} → expected 401, got {response.status_code}: {response.text}"
    challenge = response.headers.get("www-authenticate", "")
    assert re.match(r"(?i)bearer\b", challenge), (
        f"{sent} → expected the 401 to carry the header WWW-Authenticate: Bearer, got {challenge!r}"
    )


@pytest.mark.rule(3)
@pytest.mark.points(2)
def test_login_returns_a_bearer_token(client):
    """POST /token with alice's right password answers 200 with an access_token and token_type "bearer"."""
    response = login(client, "alice", "wonderland")
    assert response.status_code == 200, (
        f"POST /token as alice/wonderland → expected 200, got {response.status_code}: {response.text}"
    )
    body = json_of(response)
    token = body.get("access_token") if isinstance(body, dict) else None
    assert isinstance(token, str) and token.count(".") == 2, (
        f"POST /token as alice → expected access_token to be a JWT (three dot-separated parts), got {response.text}"
    )
    assert body.get("token_type") == "bearer", (
        f'POST /token as alice → expected "token_type": "bearer", got {body.get("token_type")!r}'
    )


@pytest.mark.rule(4)
@pytest.mark.points(2)
def test_token_is_a_signed_jwt_with_sub_and_exp(client, learner, clock):
    """The token is an HS256 JWT signed with SECRET_KEY: sub = the username, exp = login time + 30 minutes."""
    algorithm, secret = learner.value("ALGORITHM"), learner.value("SECRET_KEY")
    with clock.travel(START):
        token = token_for(client, "alice")
        header = jwt.get_unverified_header(token)
        assert header.get("alg") == "HS256" == algorithm, (
            f"POST /token as alice → expected a token signed with HS256 (ALGORITHM = {algorithm!r}), "
            f"got header {header}"
        )
        try:
            claims = jwt.decode(token, secret, algorithms=[algorithm])
        except Exception as exc:
            pytest.fail(f"POST /token as alice → the token does not verify with SECRET_KEY: {exc}", pytrace=False)
    assert claims.get("sub") == "alice", f"POST /token as alice → expected sub 'alice' in the token, got {claims}"
    expected = START.timestamp() + LIFETIME_MINUTES * 60
    exp = claims.get("exp")
    assert isinstance(exp, int | float) and abs(exp - expected) <= 2, (
        f"POST /token at {START:%H:%M:%S} → expected exp {datetime.fromtimestamp(expected, timezone.utc):%H:%M:%S} "
        f"({LIFETIME_MINUTES} minutes later; ACCESS_TOKEN_EXPIRE_MINUTES = {learner.value('ACCESS_TOKEN_EXPIRE_MINUTES')}), "
        f"got {claims}"
    )


# The claims a token may carry (README rule 4): sub and exp, and the registered iat, nbf, iss and jti.
ALLOWED_CLAIMS = {"sub", "exp", "iat", "nbf", "iss", "jti"}


def secret_pieces(password: str, stored_hash: str) -> set[str]:
    """The password, the stored hash, and each run of 8 or more letters and digits in the hash
    (its salt, its digest, whatever the format puts between its separators)."""
    return {password, stored_hash, *re.findall(r"[A-Za-z0-9]{8,}", stored_hash)}


def strings_in(value) -> list[str]:
    """Every string inside a claim's value (nested lists and objects included), numbers as text."""
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *strings_in(item))]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return [str(value)]


@pytest.mark.rule(4)
@pytest.mark.points(2)
def test_token_holds_no_secret_material(client, learner):
    """The token carries only sub, exp (and iat, nbf, iss, jti), none of them holding the password, the hash or its salt."""
    password = "tea-party-at-four"
    stored = learner.call("hash_password", password)
    learner.set_item("fake_users_db", "alice", "hashed_password", value=stored)
    token = token_for(client, "alice", password)
    try:
        claims = jwt.decode(token, learner.value("SECRET_KEY"), algorithms=[learner.value("ALGORITHM")])
        header = jwt.get_unverified_header(token)
    except Exception as exc:
        pytest.fail(f"POST /token as alice → the token does not verify with SECRET_KEY: {exc}", pytrace=False)
    extra = sorted(set(claims) - ALLOWED_CLAIMS)
    assert not extra, (
        f"POST /token as alice → the token carries the claims {extra}, anyone can read them; "
        f"only {sorted(ALLOWED_CLAIMS)} are allowed: {claims}"
    )
    pieces = secret_pieces(password, stored)
    for where, fields in (("claim", claims), ("header field", header)):
        for name, value in fields.items():
            leaked = sorted(piece for piece in pieces for text in strings_in(value) if piece in text)
            assert not leaked, (
                f"POST /token as alice → the token's {where} {name!r} holds her password or a piece of her "
                f"stored hash ({short(leaked[0])}), which anyone holding the token can read"
            )


@pytest.mark.rule(3)
def test_wrong_password_is_refused_with_401(client):
    """POST /token with a wrong password answers 401 with WWW-Authenticate: Bearer."""
    assert_rejected(login(client, "alice", "looking-glass"), "POST /token as alice with a wrong password")


@pytest.mark.rule(3)
def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    """POST /token for a user who does not exist answers the same 401 as a wrong password."""
    unknown = login(client, "mallory", "wonderland")
    assert_rejected(unknown, "POST /token as mallory, who does not exist")
    wrong = login(client, "alice", "looking-glass")
    assert json_of(unknown) == json_of(wrong), (
        f"POST /token → unknown user and wrong password should look the same to a client, "
        f"got {unknown.text} and {wrong.text}"
    )


@pytest.mark.rule(3)
def test_refused_login_says_incorrect_username_or_password(client):
    """A refused POST /token answers the body {"detail": "Incorrect username or password"}."""
    expected = {"detail": "Incorrect username or password"}
    for username, password, what in (("alice", "looking-glass", "alice with a wrong password"), ("mallory", "wonderland", "mallory, who does not exist")):
        response = login(client, username, password)
        assert_rejected(response, f"POST /token as {what}")
        assert json_of(response) == expected, f"POST /token as {what} → expected the body {expected}, got {response.text}"


@pytest.mark.rule(5)
@pytest.mark.points(2)
def test_users_me_returns_the_logged_in_user(client):
    """GET /users/me with the token from POST /token answers that user: username, full_name, email only."""
    for username, (_, public) in USERS.items():
        token = token_for(client, username)
        response = me(client, token)
        assert response.status_code == 200, (
            f"GET /users/me with {username}'s token → expected 200, got {response.status_code}: {response.text}"
        )
        assert json_of(response) == public, (
            f"GET /users/me with {username}'s token → expected {public}, got {response.text}"
        )


@pytest.mark.rule(5)
def test_users_me_accepts_a_token_signed_with_the_secret_key(client, learner):
    """GET /users/me accepts any unexpired token signed with SECRET_KEY and ALGORITHM."""
    token = forge(learner, {"sub": "bob", "exp": soon()})
    response = me(client, token)
    assert response.status_code == 200, (
        f"GET /users/me with a token for bob signed with SECRET_KEY → expected 200, "
        f"got {response.status_code}: {response.text}"
    )
    assert json_of(response) == USERS["bob"][1], (
        f"GET /users/me with a token for bob → expected {USERS['bob'][1]}, got {response.text}"
    )


@pytest.mark.rule(6)
def test_missing_token_is_401(client):
    """GET /users/me without a token answers 401 with WWW-Authenticate: Bearer."""
    assert_rejected(client.get("/users/me"), "GET /users/me without an Authorization header")


@pytest.mark.rule(6)
def test_malformed_token_is_401(client):
    """GET /users/me with a token that is not a JWT answers 401, not 500."""
    for header in ("Bearer not-a-jwt", "Bearer a.b.c", "Bearer e30.e30.", "Bearer ", "Basic YWxpY2U6d29uZGVybGFuZA=="):
        response = client.get("/users/me", headers={"Authorization": header})
        assert_rejected(response, f"GET /users/me with Authorization: {header!r}")


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_tampered_token_is_401(client):
    """A real token whose payload or signature was changed answers 401."""
    header, payload, signature = token_for(client, "alice").split(".")
    padded = payload + "=" * (-len(payload) % 4)
    claims = json.loads(base64.urlsafe_b64decode(padded))
    as_bob = f"{header}.{b64url({**claims, 'sub': 'bob'})}.{signature}"
    assert_rejected(me(client, as_bob), f"GET /users/me with alice's token edited to say sub=bob ({short(as_bob)})")
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
    bad_signature = f"{header}.{payload}.{flipped}"
    assert_rejected(me(client, bad_signature), "GET /users/me with alice's token, one signature character changed")


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_unsigned_alg_none_token_is_401(client):
    """A token with "alg": "none" and no signature answers 401."""
    claims = {"sub": "alice", "exp": soon()}
    for alg in ("none", "None", "NONE"):
        token = f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(claims)}."
        assert_rejected(me(client, token), f'GET /users/me with an unsigned token ("alg": "{alg}") for alice')


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_token_signed_with_another_secret_is_401(client, learner):
    """A token signed with a secret other than SECRET_KEY answers 401."""
    token = forge(learner, {"sub": "alice", "exp": soon()}, key="not-" + str(learner.value("SECRET_KEY")))
    assert_rejected(me(client, token), "GET /users/me with a token for alice signed with the wrong secret")


@pytest.mark.rule(6)
def test_token_signed_with_another_algorithm_is_401(client, learner):
    """A token signed with SECRET_KEY but HS512 instead of ALGORITHM answers 401 (the algorithm is pinned)."""
    token = forge(learner, {"sub": "alice", "exp": soon()}, algorithm="HS512")
    assert_rejected(me(client, token), "GET /users/me with a token for alice signed with HS512 instead of HS256")


@pytest.mark.rule(6)
def test_token_for_no_known_user_is_401(client, learner):
    """A correctly signed token whose sub is missing or names no user answers 401."""
    for claims, what in (({"sub": "mallory", "exp": soon()}, "sub=mallory, who does not exist"), ({"exp": soon()}, "no sub")):
        assert_rejected(me(client, forge(learner, claims)), f"GET /users/me with a signed token with {what}")


@pytest.mark.rule(6)
def test_every_rejected_token_gets_the_same_answer(client, learner, clock):
    """Every token /users/me refuses (not a JWT, bad signature, unknown sub, expired) gets the same 401 body."""
    with clock.travel(START) as moved:
        expired = token_for(client, "alice")
        moved.move_to(START + timedelta(minutes=LIFETIME_MINUTES, seconds=30))
        tokens = {
            "a token that is not a JWT": "not-a-jwt",
            "a token signed with another secret": forge(learner, {"sub": "alice", "exp": soon()}, key="not-" + str(learner.value("SECRET_KEY"))),
            "a signed token for mallory, who does not exist": forge(learner, {"sub": "mallory", "exp": soon()}),
            "a signed token with no sub": forge(learner, {"exp": soon()}),
            "alice's expired token": expired,
        }
        bodies = {}
        for what, token in tokens.items():
            response = me(client, token)
            assert_rejected(response, f"GET /users/me with {what}")
            bodies[what] = json_of(response)
    first, *_ = bodies.values()
    assert all(body == first for body in bodies.values()), (
        f"GET /users/me → every refused token should get the same body, so a caller cannot tell which check failed; "
        f"got {bodies}"
    )


@pytest.mark.rule(1)
def test_plain_text_password_in_the_store_is_refused(client, learner):
    """A stored hashed_password that is not a hash (a plain-text password, a broken one) lets nobody log in: 401, not 200 or 500."""
    learner.set_item("fake_users_db", "alice", "hashed_password", value="wonderland")
    assert_rejected(
        login(client, "alice", "wonderland"),
        "POST /token as alice/wonderland after her stored hashed_password was set to the plain text 'wonderland'",
    )
    for broken in ("", "$", "wonderland$wonderland$wonderland", "scrypt$zz$zz", "pbkdf2_sha256$x$y$z"):
        learner.set_item("fake_users_db", "alice", "hashed_password", value=broken)
        assert_rejected(
            login(client, "alice", "wonderland"),
            f"POST /token as alice/wonderland after her stored hashed_password was set to {broken!r}",
        )


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_token_expires_after_its_lifetime(client, clock):
    """A token works until 30 minutes (ACCESS_TOKEN_EXPIRE_MINUTES) have passed, then answers 401."""
    lifetime = timedelta(minutes=LIFETIME_MINUTES)
    with clock.travel(START) as moved:
        token = token_for(client, "alice")
        moved.move_to(START + lifetime - timedelta(seconds=30))
        response = me(client, token)
        assert response.status_code == 200, (
            f"GET /users/me with alice's token 30 s before it expires → expected 200, "
            f"got {response.status_code}: {response.text}"
        )
        moved.move_to(START + lifetime + timedelta(seconds=30))
        assert_rejected(me(client, token), "GET /users/me with alice's token 30 s after it expired")


@pytest.mark.rule(1)
@pytest.mark.points(2)
def test_store_holds_hashes_not_passwords(learner):
    """fake_users_db keeps a hash for each user, never the password, and verify_password accepts it."""
    store = learner.value("fake_users_db")
    for username, (password, _) in USERS.items():
        entry = store.get(username) if isinstance(store, dict) else None
        assert isinstance(entry, dict), f"fake_users_db[{username!r}] → expected a dict for {username}, got {entry!r}"
        stored = entry.get("hashed_password")
        assert isinstance(stored, str) and stored, (
            f"fake_users_db[{username!r}] → expected a hashed_password string, got {stored!r}"
        )
        plain = [key for key, value in entry.items() if password in str(value)]
        assert not plain, f"fake_users_db[{username!r}] → the password {password!r} is readable in {plain}: {entry}"
        assert learner.call("verify_password", password, stored) is True, (
            f"verify_password({password!r}, fake_users_db[{username!r}]['hashed_password']) → expected True"
        )


@pytest.mark.rule(1)
def test_hash_password_is_salted(learner):
    """hash_password gives a new hash each time, and verify_password accepts only the right password."""
    password = "correct horse battery staple"
    first, second = learner.call("hash_password", password), learner.call("hash_password", password)
    assert first != second, f"hash_password({password!r}) twice → expected two different (salted) hashes, got {first!r} twice"
    assert password not in first, f"hash_password({password!r}) → the password is readable in {first!r}"
    for hashed in (first, second):
        assert learner.call("verify_password", password, hashed) is True, (
            f"verify_password({password!r}, hash_password({password!r})) → expected True"
        )
    assert learner.call("verify_password", "correct horse battery stapler", first) is False, (
        f"verify_password with a wrong password → expected False for {first!r}"
    )


@pytest.mark.rule(2)
def test_login_checks_the_stored_hash(client, learner):
    """POST /token checks the password against the hash in fake_users_db at the time of the request."""
    new_hash = learner.call("hash_password", "through-the-looking-glass")
    learner.set_item("fake_users_db", "alice", "hashed_password", value=new_hash)
    assert_rejected(login(client, "alice", "wonderland"), "POST /token as alice/wonderland after her stored hash was changed")
    response = login(client, "alice", "through-the-looking-glass")
    assert response.status_code == 200, (
        f"POST /token as alice with the password of her new stored hash → expected 200, "
        f"got {response.status_code}: {response.text}"
    )
    carol = {"username": "carol", "full_name": "Carol Danvers", "email": "carol@example.com"}
    learner.set_item("fake_users_db", "carol", value={**carol, "hashed_password": learner.call("hash_password", "higher-further")})
    response = me(client, token_for(client, "carol", "higher-further"))
    assert json_of(response) == carol, (
        f"GET /users/me as carol, just added to fake_users_db → expected {carol}, got {response.text}"
    )


@pytest.mark.rule(7)
def test_openapi_declares_the_password_flow(client):
    """/openapi.json declares an OAuth2 password flow with tokenUrl "token" protecting GET /users/me."""
    schema = json_of(client.get("/openapi.json")) or {}
    schemes = schema.get("components", {}).get("securitySchemes", {})
    password_flows = {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "oauth2"
        and scheme.get("flows", {}).get("password", {}).get("tokenUrl", "").lstrip("/") == "token"
    }
    assert password_flows, f"GET /openapi.json → expected an oauth2 password flow with tokenUrl 'token', got {schemes}"
    security = schema.get("paths", {}).get("/users/me", {}).get("get", {}).get("security", [])
    used = {name for requirement in security for name in requirement}
    assert used & password_flows, (
        f"GET /openapi.json → expected GET /users/me to require the password flow {sorted(password_flows)}, got {security}"
    )
