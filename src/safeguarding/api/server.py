"""Run the service with uvicorn (``safeguarding serve``), optionally with demo data."""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from dataclasses import replace
from typing import Any

import uvicorn

from safeguarding.api.app import create_app
from safeguarding.api.demo import demo_console, replay_examples
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.client import SafeguardingClient
from safeguarding.service.logs import configure_logging
from safeguarding.service.policies import PolicyStartError
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.server")
DEMO_TENANT = "demo"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def demo_key(repo: Repository) -> str:
    tenant = repo.find_tenant(DEMO_TENANT) or repo.create_tenant(DEMO_TENANT)
    _, token = repo.create_api_key(tenant.id, ["events:write", "read"])
    return token


def _replay_when_up(server: uvicorn.Server, app: Any, base_url: str, token: str) -> None:
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the replay's own requests
    with SafeguardingClient(base_url, token) as client:
        summary = replay_examples(client)
    tenant = app.state.services.repo.find_tenant(DEMO_TENANT)
    console = demo_console(app.state.console, tenant.id)
    people = "\n".join(f"    {name:<11} {pw}" for name, pw in console["logins"].items())
    queues = ", ".join(f"{name} {n}" for name, n in sorted(console["queues"].items()))
    print(
        f"\nDemo data loaded: {summary['conversations']} example conversations, "
        f"{summary['alerts']} alerts; open cases: {queues}.\n"
        f"  Review console: {base_url}/console  (organisation '{DEMO_TENANT}')\n{people}\n"
        f"  API docs:       {base_url}/docs   API key: {token}\n"
        f"  Alerts:         curl -H 'Authorization: Bearer {token}' {base_url}/v1/alerts\n"
        "Press Ctrl+C to stop.",
        file=sys.stderr,
        flush=True,
    )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    json_logs: bool | None = None,
) -> None:
    """``json_logs``: JSON lines on stderr; by default only when stderr is not a terminal."""
    if json_logs is None:
        json_logs = not sys.stderr.isatty()
    configure_logging(settings.log_level, settings.log_text, json_lines=json_logs)
    console = ConsoleSettings.from_env()
    if demo and host in LOOPBACK:
        # The demo is served over plain HTTP on this machine: cookies without the Secure flag.
        console = replace(console, secure_cookies=False)
    try:
        app = create_app(settings, console_settings=console)
    except PolicyStartError as exc:  # one line for the operator, not a traceback
        print(f"safeguarding: cannot start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    # The risk model, lexicons and embeddings loaded above are hundreds of thousands of
    # long-lived objects: move them out of the collector's reach, or every full collection
    # walks them all (a 100 ms pause on this 2-core box, the ingest p99).
    gc.collect()
    gc.freeze()
    # Ingest allocates many short-lived objects per batch: a young collection every 2,000 net
    # allocations (not 700), and a full one only after 1,000 middle ones (about hourly at full
    # load) instead of 10, since each full pass walks every conversation the engine holds
    # (40-80 ms, the ingest p99).
    gc.set_threshold(2_000, 10, 1_000)
    if not app.state.services.pipeline.inline:
        # PostgreSQL: batches run on the writer thread, which gives up the GIL at each
        # database round trip and must win it back from the event loop thread, which may be
        # parsing the next request: by default it waits up to 5 ms each time, a round trip
        # at a time (the load test's p99 tails). A shorter interval bounds that wait.
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            loop="uvloop" if _has("uvloop") else "asyncio",
            http="httptools" if _has("httptools") else "h11",
            workers=1,
        )
    )
    base_url = f"http://{host}:{port}"
    print(f"Safeguarding service on {base_url} (database: {settings.db_url})", file=sys.stderr)
    if demo:
        token = demo_key(app.state.services.repo)
        threading.Thread(
            target=_replay_when_up, args=(server, app, base_url, token), daemon=True
        ).start()
    server.run()


def main() -> None:
    """``python -m safeguarding.api.server --db URL --port N``: the loadtest's server."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    settings = Settings.from_env(db_url=args.db)
    serve(settings, args.host, args.port)


if __name__ == "__main__":
    main()
