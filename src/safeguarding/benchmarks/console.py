"""Console benchmark (``safeguarding console-bench``): server time of the queue page, the case
view, a claim and a decision with many open cases.

It writes ``--cases`` alerted conversations straight through the repository (indicator-level
lines, evidence spans, an alert each, a child's account), lets the cases stage open their
cases (timed once, apart), then drives the console in-process (FastAPI's TestClient, so the
time is the server's: routing, auth, queries, rendering) and reports p50 / p95 / max per
operation. Each claim and decision is on a different case.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safeguarding.measure import percentile
from safeguarding.storage.records import (
    AccountRecord,
    AlertRecord,
    ConversationUpdate,
    MessageRow,
    WriteBatch,
)
from safeguarding.storage.repository import Repository

LINES = [
    ("a", "hey ur really good at this game"),
    ("b", "thanks lol"),
    ("a", "how old r u"),
    ("b", "12"),
    ("a", "dont tell ur parents we talk ok"),
    ("a", "add me on snap its easier"),
    ("a", "send me a pic so i know its u"),
    ("a", "we could meet at the park saturday"),
]
TACTICS = ["personal_questions", "isolation_secrecy", "platform_move", "image_request", "meeting"]
PASSWORD = "benchmark password 1"


def seed(repo: Repository, tenant_id: str, n: int, seed_: int = 7) -> None:
    """``n`` alerted conversations with messages, assessments, alerts and child accounts."""
    rng = random.Random(seed_)
    now = datetime.now(UTC)
    for start in range(0, n, 500):
        batch = WriteBatch(tenant_id, now)
        for i in range(start, min(n, start + 500)):
            cid, adult, child = f"bench-{i:06d}", f"adult-{i % 3000}", f"child-{i}"
            opened = now - timedelta(minutes=rng.randint(1, 60 * 24 * 14))
            length = rng.randint(4, len(LINES))
            tactics = sorted(rng.sample(TACTICS, rng.randint(1, 3)))
            risk = round(rng.uniform(0.3, 0.99), 3)
            evidence = [
                {
                    "kind": tactics[k % len(tactics)],
                    "message_index": idx,
                    "sender": adult,
                    "score": 0.8,
                    "span": [0, 12],
                    "source": "lexicon",
                    "excerpt": None,
                }
                for k, idx in enumerate(x for x in range(length) if LINES[x][0] == "a")
            ]
            for idx in range(length):
                who, text = LINES[idx]
                batch.messages.append(
                    MessageRow(
                        cid,
                        idx,
                        f"m{idx}",
                        f"{cid}/{idx}",
                        adult if who == "a" else child,
                        [child if who == "a" else adult],
                        opened + timedelta(seconds=idx),
                        text,
                    )
                )
            level = 3 if "meeting" in tactics else 2
            assessment = {
                "conversation_id": cid,
                "message_index": length - 1,
                "risk": risk,
                "level": "urgent" if level == 3 else "alert",
                "offender": adult,
                "at_risk": child,
                "tactics": {t: [1] for t in tactics},
                "reasons": [f"tactics: {', '.join(tactics)}"],
                "evidence": evidence,
            }
            batch.conversations.append(
                ConversationUpdate(
                    cid,
                    True,
                    length,
                    risk,
                    level,
                    level,
                    adult,
                    child,
                    assessment,
                    {"platform": rng.choice(["game_chat", "social_dm"]), "locale": "en-GB"},
                    members={adult, child},
                )
            )
            batch.accounts.append(
                AccountRecord(child, rng.choice([11, 12, 14, 15, None]), None, None, opened)
            )
            batch.alerts.append(
                AlertRecord(cid, level, risk, length - 1, adult, child, tactics, opened)
            )
        repo.write_batch(batch)


def run_console_bench(
    db_url: str | None = None, cases: int = 10_000, requests: int = 200, seed_: int = 7
) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from safeguarding.api.app import create_app
    from safeguarding.cases.settings import ConsoleSettings
    from safeguarding.cases.workflow import Reviewer
    from safeguarding.service.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="sg-console-bench-"))
    url = db_url or f"sqlite:///{folder / 'bench.db'}"
    console = ConsoleSettings(
        secure_cookies=False,
        bundle_key_file=str(folder / "bundle-keys"),
        password_time_cost=1,
        password_memory_kib=8192,
    )
    app = create_app(Settings(db_url=url, webhooks_enabled=False), console_settings=console)
    repo: Repository = app.state.services.repo
    state = app.state.console
    tenant = repo.create_tenant(f"bench-{int(time.time())}")
    for name in ("moderator", "lead"):
        state.accounts.create(tenant.id, name, name, PASSWORD, "bench")
    t0 = time.perf_counter()
    seed(repo, tenant.id, cases, seed_)
    seeded_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    state.cases.repo_sync(tenant.id)
    sync_s = time.perf_counter() - t0
    lead = repo.find_user(tenant.id, "lead")
    assert lead is not None
    who = Reviewer(tenant.id, lead.id, "lead", "lead")
    counts = state.cases.counts(who)
    open_cases = [
        c.id
        for q in ("child_safety", "general", "accounts")
        for c in state.cases.queue(who, q, limit=cases * 2)
    ]
    rng = random.Random(seed_)
    timings: dict[str, list[float]] = {"queue": [], "case": [], "claim": [], "decide": []}
    with TestClient(app) as client:
        page = client.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        client.post(
            "/console/login",
            data={
                "organisation": tenant.name,
                "username": "lead",
                "password": PASSWORD,
                "csrf": token.group(1),
            },
        )
        csrf_page = client.get("/console/preferences").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', csrf_page)
        assert csrf is not None
        form = {"csrf": csrf.group(1)}
        filters = ["", "?level=urgent", "?tactic=meeting", "?age_band=under_13", "?page=3"]
        for _ in range(5):  # warm-up
            client.get("/console/queues/child_safety")
        for i in range(requests):
            queue = "child_safety" if i % 4 else "general"
            timings["queue"].append(
                _timed(client.get, f"/console/queues/{queue}{rng.choice(filters)}")
            )
        for case_id in rng.sample(open_cases, requests):
            timings["case"].append(_timed(client.get, f"/console/cases/{case_id}?proceed=1"))
        targets = rng.sample(open_cases, requests)
        for case_id in targets:
            timings["claim"].append(
                _timed(
                    client.post,
                    f"/console/cases/{case_id}/claim",
                    data=form,
                    follow_redirects=False,
                )
            )
            decision = {**form, "decision": "confirm", "sanction[]": "warn", "note": "benchmark"}
            timings["decide"].append(
                _timed(
                    client.post,
                    f"/console/cases/{case_id}/decide",
                    data=decision,
                    follow_redirects=False,
                )
            )
    app.state.services.repo.close()
    return {
        "backend": repo.dialect,
        "cases": cases,
        "open_by_queue": counts,
        "seed_s": round(seeded_s, 1),
        "first_sync_s": round(sync_s, 2),
        "requests_each": requests,
        "ms": {
            name: {
                "p50": round(percentile(values, 50), 1),
                "p95": round(percentile(values, 95), 1),
                "max": round(max(values), 1),
            }
            for name, values in timings.items()
        },
    }


def _timed(call: Any, *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    response = call(*args, **kwargs)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"{args[0]} answered {response.status_code}")
    return elapsed
