"""Kata 13, solved independently from the README: a token dependency that raises WebSocketException,
a manager class, send_json, iter_text and a concurrent broadcast with asyncio.gather.
"""

import asyncio
from dataclasses import dataclass, field

from fastapi import Depends, FastAPI, WebSocket, WebSocketException, status

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
# Written from the README.
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class Member:
    socket: WebSocket
    name: str


@dataclass
class ConnectionManager:
    rooms: dict[str, list[Member]] = field(default_factory=dict)

    def add(self, room: str, member: Member) -> None:
        self.rooms.setdefault(room, []).append(member)

    def remove(self, room: str, member: Member) -> bool:
        members = self.rooms.get(room, [])
        if member in members:
            members.remove(member)
            return True
        return False

    def names(self, room: str) -> list[str]:
        return sorted(m.name for m in self.rooms.get(room, []))

    async def publish(self, room: str, payload: dict) -> None:
        members = list(self.rooms.get(room, []))
        results = await asyncio.gather(*(m.socket.send_json(payload) for m in members), return_exceptions=True)
        for member, result in zip(members, results):
            if isinstance(result, Exception):
                self.remove(room, member)


manager = ConnectionManager()


def require_user(token: str = "") -> str:
    if token not in TOKENS:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="unknown token")
    return TOKENS[token]


@app.websocket("/ws/{room}")
async def room_socket(websocket: WebSocket, room: str, name: str = Depends(require_user)) -> None:
    await websocket.accept()
    me = Member(websocket, name)
    manager.add(room, me)
    try:
        async for text in websocket.iter_text():
            await manager.publish(room, {"type": "message", "room": room, "user": name, "text": text})
    finally:
        if manager.remove(room, me):
            await manager.publish(room, {"type": "left", "room": room, "user": name})


@app.get("/rooms/{room}")
async def who_is_there(room: str) -> dict:
    return {"room": room, "users": manager.names(room)}
