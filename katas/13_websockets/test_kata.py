"""Kata 13 · WebSockets: a chat room, a token checked before accept(), and clients that vanish.

In-process, ``learner.websocket(...)`` opens a websocket to the app through the test's
TestClient (request the ``client`` fixture too), waiting at most a few seconds for each
answer. Under a real Uvicorn, ``server.websocket(...)`` connects with the ``websockets``
client. Both answer with events: {"type": "accept"}, {"type": "text", "data": ...},
{"type": "close", "code": ...}, {"type": "refused", "status": ...}, {"type": "timeout"}, ...
"""

import json

import pytest

TOKENS = {"alice": "alice-token", "bob": "bob-token", "carol": "carol-token"}
QUIET = 0.5  # seconds to wait for a message that must not come


def ws_path(room: str, user: str | None = None, token: str | None = None) -> str:
    token = TOKENS[user] if user else token
    return f"/ws/{room}" + (f"?token={token}" if token is not None else "")


def said(event: dict) -> str:
    """What a websocket event was, in a few words."""
    kind = event.get("type")
    if kind == "accept":
        return "the connection accepted"
    if kind == "text":
        return f"the text {event['data']!r}"[:160]
    if kind == "close":
        return f"a close with code {event['code']}" + (f" ({event['reason']})" if event.get("reason") else "")
    if kind == "refused":
        return f"the handshake refused with HTTP {event['status']}"
    if kind == "returned":
        error = event.get("error")
        return "the handler returned without closing" + (f": {error}" if error else "")
    if kind == "timeout":
        return "nothing (waited 3 s)"
    return str(event)


def join(opener, room: str, user: str):
    """A member of ``room``: the connection opened with the user's token and accepted."""
    socket = opener.websocket(ws_path(room, user))
    assert socket.accepted, f"ws {ws_path(room, user)} → expected the connection accepted, got {said(socket.first)}"
    return socket


def message(room: str, user: str, text: str) -> dict:
    return {"type": "message", "room": room, "user": user, "text": text}


def left(room: str, user: str) -> dict:
    return {"type": "left", "room": room, "user": user}


def expect(socket, who: str, expected: dict, after: str) -> None:
    """The next thing ``socket`` receives is the JSON ``expected``."""
    event = socket.receive()
    got = said(event)
    if event.get("type") == "text":
        try:
            data = json.loads(event["data"])
        except ValueError:
            data = None
        if data == expected:
            return
    pytest.fail(f"{after} → expected {who} to get {json.dumps(expected)}, got {got}", pytrace=False)


def expect_nothing(socket, who: str, after: str) -> None:
    event = socket.receive(timeout=QUIET)
    assert event.get("type") == "timeout", f"{after} → expected nothing for {who}, got {said(event)}"


def users_in(http, room: str) -> list:
    response = http.get(f"/rooms/{room}")
    assert response.status_code == 200, f"GET /rooms/{room} → expected 200, got {response.status_code}: {response.text}"
    body = response.json()
    expected_keys = {"room", "users"}
    assert isinstance(body, dict) and set(body) == expected_keys and body["room"] == room, (
        f'GET /rooms/{room} → expected {{"room": "{room}", "users": [...]}}, got {response.text}'
    )
    return body["users"]


# -- 1. the handshake ---------------------------------------------------------------------------


@pytest.mark.rule(1)
@pytest.mark.points(2)
@pytest.mark.parametrize("token", [None, "mallory-token"], ids=["no token", "unknown token"])
def test_a_bad_token_is_refused_with_1008_before_accept(client, learner, token):
    """Without a known token, the app closes with 1008 before accepting the connection."""
    path = ws_path("lobby", token=token)
    socket = learner.websocket(path)
    first = socket.first
    assert first.get("type") != "accept", (
        f"ws {path} → expected a close with code 1008 before accept, got the connection accepted"
        " (check the token before websocket.accept())"
    )
    assert first == {"type": "close", "code": 1008, "reason": first.get("reason", "")}, (
        f"ws {path} → expected a close with code 1008 (policy violation), got {said(first)}"
    )


# -- 2. broadcast -------------------------------------------------------------------------------


@pytest.mark.rule(2)
@pytest.mark.points(2)
def test_a_message_reaches_every_member_sender_included(client, learner):
    """bob sends "hello" in lobby: alice, bob and carol each get {"type": "message", ...}."""
    members = {user: join(learner, "lobby", user) for user in ("alice", "bob", "carol")}
    members["bob"].send_text("hello")
    for user, socket in members.items():
        expect(socket, user, message("lobby", "bob", "hello"), 'bob sent "hello" in lobby')


@pytest.mark.rule(2)
def test_each_member_gets_the_messages_in_order(client, learner):
    """alice sends one, two, three: bob receives them in that order."""
    alice, bob = join(learner, "lobby", "alice"), join(learner, "lobby", "bob")
    for text in ("one", "two", "three"):
        alice.send_text(text)
    for text in ("one", "two", "three"):
        expect(bob, "bob", message("lobby", "alice", text), "alice sent one, two, three")


# -- 3. rooms -----------------------------------------------------------------------------------


@pytest.mark.rule(3)
def test_rooms_are_separate(client, learner):
    """A message in room red reaches red's members only, not blue's."""
    alice, carol, bob = join(learner, "red", "alice"), join(learner, "red", "carol"), join(learner, "blue", "bob")
    alice.send_text("red alert")
    expect(carol, "carol (red)", message("red", "alice", "red alert"), 'alice sent "red alert" in red')
    expect_nothing(bob, "bob (blue)", 'alice sent "red alert" in red')
    bob.send_text("blue sky")
    expect(bob, "bob (blue)", message("blue", "bob", "blue sky"), 'bob sent "blue sky" in blue')
    expect(alice, "alice", message("red", "alice", "red alert"), 'alice sent "red alert" in red')
    expect_nothing(alice, "alice (red)", 'bob sent "blue sky" in blue')


# -- 4. who is in a room --------------------------------------------------------------------------


@pytest.mark.rule(4)
def test_get_rooms_lists_the_connected_users(client, learner):
    """GET /rooms/red lists the names behind red's open connections, sorted; an empty room lists []."""
    join(learner, "red", "carol")
    join(learner, "blue", "bob")
    join(learner, "red", "alice")
    assert users_in(client, "red") == ["alice", "carol"], (
        f"carol and alice in red, bob in blue: GET /rooms/red → expected users [\"alice\", \"carol\"], got {users_in(client, 'red')}"
    )
    assert users_in(client, "nobody-here") == [], (
        f"GET /rooms/nobody-here → expected users [], got {users_in(client, 'nobody-here')}"
    )


@pytest.mark.rule(1, 4)
def test_a_refused_connection_never_joins(client, learner):
    """A connection refused for its token is not listed in GET /rooms/lobby."""
    learner.websocket(ws_path("lobby", token="mallory-token"))
    join(learner, "lobby", "bob")
    assert users_in(client, "lobby") == ["bob"], (
        f"mallory-token refused, bob joined: GET /rooms/lobby → expected [\"bob\"], got {users_in(client, 'lobby')}"
    )


# -- 5. leaving ---------------------------------------------------------------------------------


@pytest.mark.rule(5)
@pytest.mark.points(2)
@pytest.mark.parametrize("code", [1000, 1006], ids=["closed", "connection lost"])
def test_a_member_who_leaves_is_announced_and_unlisted(client, learner, code):
    """When bob disconnects, alice and carol get {"type": "left", ...} and GET /rooms no longer lists him."""
    alice, bob, carol = (join(learner, "lobby", user) for user in ("alice", "bob", "carol"))
    bob.close(code)
    after = f"bob disconnected (code {code})"
    expect(alice, "alice", left("lobby", "bob"), after)
    expect(carol, "carol", left("lobby", "bob"), after)
    assert users_in(client, "lobby") == ["alice", "carol"], (
        f"{after}: GET /rooms/lobby → expected [\"alice\", \"carol\"], got {users_in(client, 'lobby')}"
    )


@pytest.mark.rule(5)
def test_the_others_keep_chatting_after_a_leave(client, learner):
    """After bob leaves, alice's next message still reaches alice and carol, and bob's place is free."""
    alice, bob, carol = (join(learner, "lobby", user) for user in ("alice", "bob", "carol"))
    bob.close()
    expect(alice, "alice", left("lobby", "bob"), "bob left")
    expect(carol, "carol", left("lobby", "bob"), "bob left")
    alice.send_text("still here?")
    expect(alice, "alice", message("lobby", "alice", "still here?"), 'bob left, then alice sent "still here?"')
    expect(carol, "carol", message("lobby", "alice", "still here?"), 'bob left, then alice sent "still here?"')
    again = join(learner, "lobby", "bob")
    again.send_text("back")
    for who, socket in (("alice", alice), ("bob", again), ("carol", carol)):
        expect(socket, who, message("lobby", "bob", "back"), 'bob joined again and sent "back"')


# -- 6. a dead connection -------------------------------------------------------------------------


@pytest.mark.rule(6)
@pytest.mark.points(2)
def test_a_dead_connection_does_not_break_a_broadcast(client, learner):
    """bob's connection dies unnoticed: alice's messages still reach alice and carol, again and again."""
    alice, bob, carol = (join(learner, "lobby", user) for user in ("alice", "bob", "carol"))
    bob.drop()
    for text in ("anyone?", "hello?"):
        alice.send_text(text)
        after = f"bob's connection died unnoticed, alice sent {text!r}"
        expect(alice, "alice", message("lobby", "alice", text), after)
        expect(carol, "carol", message("lobby", "alice", text), after)
    carol.send_text("here")
    expect(alice, "alice", message("lobby", "carol", "here"), 'then carol sent "here"')


@pytest.mark.rule(6)
def test_a_dead_connection_is_dropped_from_the_room(client, learner):
    """Once a broadcast has failed on bob's dead connection, GET /rooms/lobby no longer lists bob."""
    alice, bob = join(learner, "lobby", "alice"), join(learner, "lobby", "bob")
    bob.drop()
    alice.send_text("anyone?")
    expect(alice, "alice", message("lobby", "alice", "anyone?"), "bob's connection died unnoticed, alice sent 'anyone?'")
    assert users_in(client, "lobby") == ["alice"], (
        f"a send to bob's dead connection failed: GET /rooms/lobby → expected [\"alice\"], got {users_in(client, 'lobby')}"
    )


# -- under a real Uvicorn, with a real websocket client -------------------------------------------------


@pytest.mark.rule(1)
@pytest.mark.kata_timeout(30)
def test_uvicorn_refuses_the_handshake_for_a_bad_token(serve):
    """Under Uvicorn, ws /ws/lobby with an unknown token gets HTTP 403; with alice's, it connects."""
    server = serve()
    refused = server.websocket(ws_path("lobby", token="mallory-token"))
    assert refused.first == {"type": "refused", "status": 403}, (
        f"Uvicorn: ws /ws/lobby?token=mallory-token → expected the handshake refused with HTTP 403"
        f" (close before accept), got {said(refused.first)}"
    )
    alice = server.websocket(ws_path("lobby", "alice"))
    assert alice.accepted, f"Uvicorn: ws /ws/lobby?token=alice-token → expected the connection accepted, got {said(alice.first)}"


@pytest.mark.rule(2)
@pytest.mark.kata_timeout(30)
def test_uvicorn_broadcasts_between_real_clients(serve):
    """Under Uvicorn, alice's message reaches bob's real connection and her own."""
    server = serve()
    alice, bob = join(server, "lobby", "alice"), join(server, "lobby", "bob")
    alice.send_text("over the wire")
    expect(bob, "bob", message("lobby", "alice", "over the wire"), "Uvicorn: alice sent 'over the wire'")
    expect(alice, "alice", message("lobby", "alice", "over the wire"), "Uvicorn: alice sent 'over the wire'")


@pytest.mark.rule(5, 6)
@pytest.mark.kata_timeout(30)
def test_uvicorn_a_client_cut_off_does_not_break_the_room(serve):
    """Under Uvicorn, bob's TCP connection is cut: the others hear he left and go on chatting."""
    server = serve()
    alice, bob, carol = (join(server, "lobby", user) for user in ("alice", "bob", "carol"))
    bob.drop()
    expect(alice, "alice", left("lobby", "bob"), "Uvicorn: bob's connection was cut")
    expect(carol, "carol", left("lobby", "bob"), "Uvicorn: bob's connection was cut")
    alice.send_text("bye bob")
    expect(alice, "alice", message("lobby", "alice", "bye bob"), "Uvicorn: bob cut off, alice sent 'bye bob'")
    expect(carol, "carol", message("lobby", "alice", "bye bob"), "Uvicorn: bob cut off, alice sent 'bye bob'")
    with server.client(timeout=5) as http:
        assert users_in(http, "lobby") == ["alice", "carol"], (
            f"Uvicorn: bob cut off: GET /rooms/lobby → expected [\"alice\", \"carol\"], got {users_in(http, 'lobby')}"
        )
