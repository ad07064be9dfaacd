"""Builders for the service tests (storage, API, client, service): apps, databases, engines.

Imported by the conftest files of those folders; PostgreSQL databases are created per test
session on 127.0.0.1:5432 and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text

from safeguarding.risk.engine import Engine

BASE_TS = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # fixed, so a retried batch is identical
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@functools.cache
def _prototype() -> Engine:
    return Engine.default()


def fresh_engine() -> Engine:
    """A new engine (empty state) sharing the loaded model, so each app starts cold but fast."""
    proto = _prototype()
    return Engine(proto.model, proto.analyser)


def postgres_database(template: str | None = None, prefix: str = "sg_test_") -> Iterator[str]:
    """Create a throwaway database (a copy of ``template`` if given), yield its URL, drop it."""
    name = prefix + secrets.token_hex(6)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ts(seconds_ago: float = 0.0) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def message(
    event_id: str,
    conversation_id: str,
    index: int,
    text_: str,
    sender: str = "adult1",
    recipient: str = "kid1",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": event_id,
        "conversation_id": conversation_id,
        "message_id": f"m{index}",
        "sender": sender,
        "recipients": [recipient],
        "ts": (BASE_TS + timedelta(seconds=index)).isoformat(),
        "text": text_,
        **extra,
    }


# An indicator-level grooming conversation (no sexual content) and a benign one.
GROOMING = [
    ("adult1", "hey nice build, ur really good at this"),
    ("kid1", "thanks lol"),
    ("adult1", "how old r u btw"),
    ("kid1", "12 wbu"),
    ("adult1", "15, ur really mature for 12"),
    ("adult1", "i can get u some gems if u want"),
    ("adult1", "dont tell ur parents tho they'll think its weird"),
    ("adult1", "do u have snap? this chat is so laggy"),
    ("kid1", "my mum checks my phone"),
    ("adult1", "make a secret account then, just for us"),
    ("adult1", "send me a pic so i know its u"),
    ("adult1", "we could meet at the park saturday, dont tell anyone"),
]
# A short pair chat, indicator level only: secrecy, platform move, image request, risk check.
GROOMING_LIKE = [
    ("adult1", "hey ur really good at this game"),
    ("kid1", "thanks lol"),
    ("adult1", "how old r u"),
    ("kid1", "12"),
    ("adult1", "ur really mature for 12"),
    ("adult1", "dont tell ur parents we talk ok"),
    ("adult1", "add me on snap its easier"),
    ("kid1", "ok"),
    ("adult1", "send me a pic so i know its u"),
    ("adult1", "r u home alone rn"),
]
EXPLOITATION = [
    ("adult1", "you ever want proper money, more than pocket money?"),
    ("kid1", "doing what"),
    ("adult1", "i pay per trip, you carry a bag to a mate in another town"),
    ("kid1", "idk"),
    ("adult1", "keep it from your mum, she'll only fuss"),
    ("adult1", "here's a phone only for the work, don't use your own"),
    ("kid1", "ok"),
    ("adult1", "the bag got taken off you, so now you owe us"),
    ("adult1", "we know where your mum lives"),
]
BENIGN = [
    ("kid2", "did u finish the maths homework"),
    ("kid3", "yeah question 4 was hard"),
    ("kid2", "wanna play later"),
    ("kid3", "ok after dinner"),
]


def conversation_events(
    prefix: str, cid: str, lines: list[tuple[str, str]], start: int = 0
) -> list[dict[str, Any]]:
    out = []
    people = {s for s, _ in lines}
    for i, (sender, text_) in enumerate(lines[start:], start=start):
        other = next(iter(people - {sender}), sender + "-peer")
        out.append(message(f"{prefix}-{cid}-{i}", cid, i, text_, sender, other))
    return out


def account_events(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "account",
            "id": f"{prefix}-acct-adult1",
            "account_id": "adult1",
            "declared_age": 15,
            "created_at": ts(4 * 86400),
        },
        {
            "type": "account",
            "id": f"{prefix}-acct-kid1",
            "account_id": "kid1",
            "age_band": "under_13",
            "created_at": ts(500 * 86400),
        },
    ]


class Harness:
    """An app on a database with one tenant and key, driven in-process by TestClient."""

    def __init__(self, db_url: str, **settings: Any) -> None:
        from fastapi.testclient import TestClient

        from safeguarding.api.app import create_app
        from safeguarding.service.settings import Settings

        self.settings = Settings(db_url=db_url, **settings)
        self.app = create_app(self.settings, risk_engine=fresh_engine())
        self.repo = self.app.state.services.repo
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()

    def tenant(
        self, name: str | None = None, scopes: tuple[str, ...] = ("events:write", "read"), **kw: Any
    ) -> tuple[str, dict[str, str]]:
        record = self.repo.find_tenant(name) if name else None
        record = record or self.repo.create_tenant(name or "t-" + secrets.token_hex(4), **kw)
        _, token = self.repo.create_api_key(record.id, scopes)
        return record.id, {"Authorization": f"Bearer {token}"}

    def post(self, headers: dict[str, str], events: list[dict[str, Any]]) -> Any:
        return self.client.post("/v1/events", json={"events": events}, headers=headers)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


def sqlite_url(tmp_path: Any, name: str = "sg.db") -> str:
    return f"sqlite:///{tmp_path / name}"


@contextlib.contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a random loopback port; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def live_server(h: Harness) -> Iterator[str]:
    """Serve a harness' app with uvicorn on a random loopback port; yields its base URL."""
    with serve_app(h.app) as url:
        yield url
