"""Breaks rule 5: a member who disconnects is never taken out of the room, nor announced.

The reference solution with one mistake; the kata's tests must catch it (tests/test_wrong_apps.py).
"""

import json
from collections import defaultdict

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
# The rooms.
# ---------------------------------------------------------------------------


class Rooms:
    """Who is connected to which room, and a way to reach all of them."""

    def __init__(self) -> None:
        self.members: dict[str, dict[WebSocket, str]] = defaultdict(dict)

    def join(self, room: str, websocket: WebSocket, user: str) -> None:
        self.members[room][websocket] = user

    def leave(self, room: str, websocket: WebSocket) -> None:
        self.members[room].pop(websocket, None)
        if not self.members[room]:
            del self.members[room]

    def users(self, room: str) -> list[str]:
        return sorted(self.members.get(room, {}).values())

    async def broadcast(self, room: str, message: dict) -> None:
        text = json.dumps(message)
        for websocket in list(self.members.get(room, {})):
            try:
                await websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError):
                # Key idea: one dead connection must not break the others; it leaves the room.
                self.leave(room, websocket)


rooms = Rooms()


@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, token: str | None = None) -> None:
    user = TOKENS.get(token or "")
    if user is None:
        # Before accept(): the handshake is refused (Uvicorn answers HTTP 403).
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    rooms.join(room, websocket, user)
    try:
        while True:
            text = await websocket.receive_text()
            await rooms.broadcast(room, {"type": "message", "room": room, "user": user, "text": text})
    except WebSocketDisconnect:
        pass


@app.get("/rooms/{room}")
def read_room(room: str) -> dict:
    return {"room": room, "users": rooms.users(room)}
