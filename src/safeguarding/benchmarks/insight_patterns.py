"""Benchmark of the investigators' patterns: 1,000,000 accounts in ≤ 60 s (issue 13).

Generates a tenant's derived rows straight into the database (accounts, openers, identifier
fingerprints, suspensions, alerts; not timed), with noise that looks like a platform's: most
adults open a couple of conversations, some openers are common greetings shared by thousands
(too public to link), some links are popular URLs, a few pairs share a phone. Planted in it:
an offender network (four accounts sharing a phone number, each contacting eight children
within three hours with one opener script) and a ban-evasion pair (a suspended account, and
an account created after it that shares its media hash and contacts a child). Timed: the
patterns, the network and its clusters, and the GraphML/CSV export; then checks that both
plants were found.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from safeguarding.insight import patterns_access as access
from safeguarding.insight.patterns import PatternSettings
from safeguarding.insight.pseudonyms import Pseudonymiser
from safeguarding.storage.models import Account, ActionRow, AlertRow
from safeguarding.storage.models_patterns import AccountIdentifierRow, OpenerRow
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.base import table_of

Progress = Callable[[str], None]
T0 = datetime(2026, 9, 1, tzinfo=UTC)
CHUNK = 20_000
OFFENDERS = ("off-1", "off-2", "off-3", "off-4")
EVASION = ("ban-1", "ban-2")


@dataclass(slots=True, frozen=True)
class PatternsBenchConfig:
    accounts: int = 1_000_000
    child_share: float = 0.7
    openers_per_adult: int = 2
    seed: int = 13
    budget_s: float = 60.0


def _bands(rng: random.Random) -> dict[str, int]:
    return {f"band{i}": rng.getrandbits(62) for i in range(6)}


def _insert(repo: Repository, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    batch: list[dict[str, Any]] = []
    with repo.engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                conn.execute(table.insert(), batch)
                n += len(batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
            n += len(batch)
    return n


def generate(
    repo: Repository, tenant: str, config: PatternsBenchConfig, progress: Progress
) -> dict[str, int]:
    """The generated history (not timed); returns row counts."""
    rng = random.Random(config.seed)
    n_children = int(config.accounts * config.child_share)
    n_adults = config.accounts - n_children - len(OFFENDERS) - len(EVASION)
    children = [f"k{i}" for i in range(n_children)]
    adults = [f"a{i}" for i in range(n_adults)]
    created = T0 - timedelta(days=400)
    progress(f"accounts: {config.accounts:,}")

    def accounts() -> Iterator[dict[str, Any]]:
        base = {"tenant_id": tenant, "updated_at": T0, "verified_age": None, "guardian_id": None}
        for k in children:
            yield {
                **base,
                "id": k,
                "declared_age": None,
                "age_band": "13_15",
                "created_at": created,
            }
        for a in (*adults, *OFFENDERS, EVASION[0]):
            yield {**base, "id": a, "declared_age": 34, "age_band": None, "created_at": created}
        yield {
            **base,
            "id": EVASION[1],
            "declared_age": 34,
            "age_band": None,
            "created_at": T0 + timedelta(days=20),
        }

    counts = {"accounts": _insert(repo, table_of(Account), accounts())}
    common = [_bands(rng) for _ in range(50)]  # greetings thousands of accounts send
    script = _bands(rng)
    progress("openers")

    def openers() -> Iterator[dict[str, Any]]:
        n = 0
        for a in adults:
            for _ in range(config.openers_per_adult):
                n += 1
                bands = common[rng.randrange(50)] if rng.random() < 0.05 else _bands(rng)
                yield {
                    "tenant_id": tenant,
                    "conversation_id": f"c{n}",
                    "sender": a,
                    "recipient": children[rng.randrange(n_children)],
                    "ts": T0 + timedelta(seconds=rng.randrange(90 * 86400)),
                    **bands,
                }
        for j, off in enumerate(OFFENDERS):
            start = T0 + timedelta(days=10 + j)
            for i in range(8):
                yield {
                    "tenant_id": tenant,
                    "conversation_id": f"{off}-{i}",
                    "sender": off,
                    "recipient": children[(j * 8 + i) * 7919 % n_children],
                    "ts": start + timedelta(minutes=20 * i),
                    **script,
                }
        for i, who in enumerate(EVASION):
            yield {
                "tenant_id": tenant,
                "conversation_id": f"{who}-0",
                "sender": who,
                "recipient": children[i + 11],
                "ts": T0 + timedelta(days=10 + 15 * i),
                **_bands(rng),
            }

    counts["openers"] = _insert(repo, table_of(OpenerRow), openers())
    progress("identifier fingerprints")

    def identifiers() -> Iterator[dict[str, Any]]:
        def row(account: str, kind: str, digest: str) -> dict[str, Any]:
            return {
                "tenant_id": tenant,
                "account_id": account,
                "kind": kind,
                "digest": digest,
                "first_seen": T0 + timedelta(seconds=rng.randrange(90 * 86400)),
            }

        for i, a in enumerate(adults):
            yield row(a, "handle", f"{rng.getrandbits(128):032x}")
            if rng.random() < 0.2:
                yield row(a, "phone", f"{rng.getrandbits(128):032x}")
            if rng.random() < 0.02:  # a popular URL: public, not a link
                yield row(a, "url", f"popular-{rng.randrange(10)}")
            if i % 100 == 1:  # pairs sharing a phone (a household, or one person)
                yield row(a, "phone", f"pair-{i // 100}")
                yield row(adults[i - 1], "phone", f"pair-{i // 100}")
        for off in OFFENDERS:
            yield row(off, "phone", "planted-phone")
        yield {**row(EVASION[0], "media", "planted-media"), "first_seen": T0 + timedelta(days=9)}
        yield {**row(EVASION[1], "media", "planted-media"), "first_seen": T0 + timedelta(days=25)}

    counts["identifiers"] = _insert(repo, table_of(AccountIdentifierRow), identifiers())
    progress("suspensions and alerts")

    def actions() -> Iterator[dict[str, Any]]:
        suspended = [EVASION[0], *rng.sample(adults, config.accounts // 1000)]
        for k, a in enumerate(suspended):
            yield {
                "public_id": f"00000000-0000-4000-8000-{k:012d}",
                "tenant_id": tenant,
                "conversation_id": None,
                "account_id": a,
                "action_type": "suspend",
                "rule_ids": [],
                "payload": {},
                "shadow": False,
                "created_at": T0 + timedelta(days=12 if a == EVASION[0] else 45),
            }

    counts["suspensions"] = _insert(repo, table_of(ActionRow), actions())

    def alerts() -> Iterator[dict[str, Any]]:
        for k, a in enumerate([*rng.sample(adults, config.accounts // 100), *OFFENDERS]):
            yield {
                "public_id": f"00000000-0000-4000-9000-{k:012d}",
                "tenant_id": tenant,
                "conversation_id": f"c-{a}",
                "level": 2,
                "risk": round(rng.random(), 3),
                "message_index": 3,
                "offender": a,
                "at_risk": None,
                "tactics": [],
                "raised_at": T0 + timedelta(days=50),
                "status": "open",
                "harm": None,
            }

    counts["alerts"] = _insert(repo, table_of(AlertRow), alerts())
    if repo.dialect == "postgresql":
        with repo.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


def run_patterns_bench(
    repo: Repository, config: PatternsBenchConfig, progress: Progress
) -> dict[str, Any]:
    tenant = repo.create_tenant(f"bench-patterns-{random.getrandbits(32):08x}").id
    started = time.perf_counter()
    counts = generate(repo, tenant, config, progress)
    generate_s = time.perf_counter() - started
    settings = PatternSettings()
    steps: dict[str, float] = {}
    last = [time.perf_counter()]
    current = ["start"]

    def step(label: str) -> None:
        now = time.perf_counter()
        steps[current[0]] = round(now - last[0], 2)
        last[0], current[0] = now, label
        progress(label)

    started = last[0] = time.perf_counter()
    patterns, graph, ranked = access.compute(repo, tenant, settings, step)
    with tempfile.TemporaryDirectory() as folder:
        step("export")
        access.write_files(patterns, graph, ranked, Path(folder), Pseudonymiser(b"k" * 32, tenant))
        step("done")
    total_s = time.perf_counter() - started
    steps.pop("start", None)
    steps.pop("done", None)
    burst_accounts = {b.account for b in patterns.bursts}
    evasion = {(r.suspended, r.account) for r in patterns.repeat_offenders}
    top_with_offenders = next((c.rank for c in ranked if set(OFFENDERS) <= set(c.accounts)), None)
    return {
        "backend": repo.dialect,
        "rows": counts,
        "generate_s": round(generate_s, 1),
        "patterns_s": round(total_s, 2),
        "steps_s": steps,
        "budget_s": config.budget_s,
        "within_budget": total_s <= config.budget_s,
        "found": {
            "bursts": len(patterns.bursts),
            "repeated_openers": len(patterns.repeated_openers),
            "links": len(patterns.links),
            "repeat_offenders": len(patterns.repeat_offenders),
            "clusters": len(ranked),
            "graph_nodes": graph.number_of_nodes(),
        },
        "planted_network_found": set(OFFENDERS) <= burst_accounts
        and top_with_offenders is not None,
        "planted_network_cluster_rank": top_with_offenders,
        "planted_evasion_found": tuple(EVASION) in evasion,
    }
