"""A service with alerts in two tenants, console users of every role and the case service,
for the cases and console tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import (
    GROOMING,
    GROOMING_LIKE,
    Harness,
    account_events,
    conversation_events,
    fresh_engine,
    postgres_database,
)

from safeguarding.cases.bundles import KeyRing
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.cases.workflow import CaseService, Reviewer

PASSWORD = "correct horse battery staple"
ROLES = ("moderator", "moderator2", "specialist", "lead", "admin", "auditor")
# Indicator-level chats: a meeting (severe), and one with secrecy only (general queue).
MILD = [
    ("adult1", "hey ur really good at this game"),
    ("kid1", "thanks lol"),
    ("adult1", "how old r u"),
    ("kid1", "12"),
    ("adult1", "ur really mature for 12"),
    ("adult1", "dont tell ur parents we talk ok"),
    ("adult1", "this is just between us, our secret"),
    ("adult1", "u can trust me more than them"),
]


class ConsoleHarness(Harness):
    """The service app with the console configured for tests (bundle key, plain-HTTP cookies)."""

    def __init__(self, db_url: str, console: ConsoleSettings, **settings: Any) -> None:
        from fastapi.testclient import TestClient

        from safeguarding.api.app import create_app
        from safeguarding.service.settings import Settings

        self.settings = Settings(db_url=db_url, **settings)
        self.app = create_app(self.settings, risk_engine=fresh_engine(), console_settings=console)
        self.repo = self.app.state.services.repo
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()


class World:
    """``seeded``: the database already holds the tenants, chats and people (a copy of a
    template built once per session), so only the app is created."""

    def __init__(
        self, db_url: str, tmp_path: Path, *, seeded: bool = False, **settings: Any
    ) -> None:
        self.settings = ConsoleSettings(
            bundle_keys=KeyRing.new_key_spec("k1"),
            secure_cookies=False,
            password_time_cost=1,  # cheap hashes keep the tests fast; still argon2id
            password_memory_kib=8192,
            **settings,
        )
        self.harness = ConsoleHarness(db_url, self.settings, webhooks_enabled=False)
        self.app = self.harness.app
        self.repo = self.harness.repo
        self.keys = KeyRing.parse(self.settings.bundle_keys)
        self.cases: CaseService = self.app.state.console.cases
        self.accounts = self.app.state.console.accounts
        self.tenant, self.headers = self.harness.tenant(
            "acme", webhook_url="https://acme.example/hooks", webhook_secret="s1"
        )
        self.other, self.other_headers = self.harness.tenant(
            "globex", webhook_url="https://globex.example/hooks", webhook_secret="s2"
        )
        self.users: dict[tuple[str, str], Reviewer] = {}
        if seeded:
            for tenant in (self.tenant, self.other):
                for name in ROLES:
                    user = self.repo.find_user(tenant, name)
                    assert user is not None
                    self.users[(tenant, name)] = Reviewer(tenant, user.id, name, user.role)
            return
        for tenant, headers in ((self.tenant, self.headers), (self.other, self.other_headers)):
            events = account_events(tenant)
            events += conversation_events(tenant, "c-severe", GROOMING)
            image = conversation_events(tenant, "c-image", GROOMING_LIKE)
            for event in image:  # a picture sent with the image request (a stand-in ref)
                if event["text"].startswith("send me a pic"):
                    event["media"] = [{"kind": "image", "ref": "cdn://example/pic-1.jpg"}]
            events += image
            events += conversation_events(tenant, "c-mild", MILD)
            response = self.harness.post(headers, events)
            assert response.status_code == 200, response.text
        for tenant in (self.tenant, self.other):
            for name in ROLES:
                role = "moderator" if name == "moderator2" else name
                user = self.accounts.create(tenant, name, role, PASSWORD, by="test")
                self.users[(tenant, name)] = Reviewer(tenant, user.id, name, role)

    def who(self, name: str, tenant: str | None = None) -> Reviewer:
        return self.users[(tenant or self.tenant, name)]

    def close(self) -> None:
        self.harness.close()


@contextlib.contextmanager
def served(world: World) -> Iterator[str]:
    """The world's app on a free loopback port for a real browser; its base URL. Stops the
    server on exit (the world stays open: its owner closes it)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def login(client: Any, username: str, password: str = PASSWORD, organisation: str = "acme") -> Any:
    """Sign in through the form (with its CSRF cookie); returns the answer to the POST."""
    page = client.get("/console/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/console/login",
        data={
            "organisation": organisation,
            "username": username,
            "password": password,
            "csrf": token,
        },
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def sqlite_copy(template: Path, target: Path) -> str:
    """A copy of the template SQLite database (with its WAL, if any) at ``target``."""
    import shutil

    for suffix in ("", "-wal", "-shm"):
        source = Path(str(template) + suffix)
        if source.exists():
            shutil.copyfile(source, str(target) + suffix)
    return f"sqlite:///{target}"


def build_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    World(f"sqlite:///{path}", folder).close()
    return path


def postgres_template() -> Iterator[str]:
    """A seeded PostgreSQL database to copy with CREATE DATABASE ... TEMPLATE; yields its name."""
    for url in postgres_database(prefix="sg_tmpl_"):
        World(url, Path(".")).close()
        yield url.rsplit("/", 1)[1]


# The fixtures below are shared by tests/cases and tests/console through their conftest files.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two tenants' chats, alerts and people, built once; each test gets a copy."""
    return build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_template(require_service: Any) -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_template()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    """The service with two tenants' alerts, their people and the case service, per backend."""
    if request.param == "sqlite":
        w = World(sqlite_copy(sqlite_template, tmp_path / "sg.db"), tmp_path, seeded=True)
        yield w
        w.close()
        return
    for url in postgres_database(template=request.getfixturevalue("pg_template")):
        w = World(url, tmp_path, seeded=True)
        yield w
        w.close()


@pytest.fixture
def sqlite_world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    w = World(sqlite_copy(sqlite_template, tmp_path / "sg.db"), tmp_path, seeded=True)
    yield w
    w.close()
