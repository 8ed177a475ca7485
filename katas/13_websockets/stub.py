"""Kata 13 · WebSockets: a chat room, a token checked before accept(), and clients that vanish.

The task is in README.md next to this file. Grade it with:  pytest katas/13_websockets
"""

import json

from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

# ---------------------------------------------------------------------------
# Given: who may chat. Leave this part as it is; the tests rely on it.
# ---------------------------------------------------------------------------

TOKENS = {
    "alice-token": "alice",
    "bob-token": "bob",
    "carol-token": "carol",
}

app = FastAPI()


# ---------------------------------------------------------------------------
# Your part.
# ---------------------------------------------------------------------------

# TODO: keep track of the open connections of each room (and whose they are).


@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, token: str | None = None) -> None:
    # TODO: 1. look the token up in TOKENS *before* accepting; unknown or missing:
    #          close with status.WS_1008_POLICY_VIOLATION and return.
    #       2. accept, join the room, then for each text received send
    #          {"type": "message", "room": ..., "user": ..., "text": ...} to every member.
    #       3. on WebSocketDisconnect: leave the room and tell the others {"type": "left", ...}.
    #       A member whose connection is dead must not break a broadcast to the others.
    await websocket.close(code=status.WS_1011_INTERNAL_ERROR)


# TODO: GET /rooms/{room} → {"room": room, "users": [sorted usernames of the open connections]}
