"""Who may see the patterns with real account ids, and the audit trail when they do.

Pseudonymised ids are the default everywhere (CLI, API, console). Real ids are for a console
user with the lead role who asks for them; each such export is appended to the tenant's
hash-chained audit log (actor, where, how many accounts), never the ids themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from safeguarding.cases.roles import Role
from safeguarding.insight.network import Cluster, Namer, build_graph, clusters, export, summary
from safeguarding.insight.patterns import Patterns, PatternSettings, Progress, find_patterns
from safeguarding.insight.pseudonyms import Pseudonymiser
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.audit import AuditEntry

REAL_IDS_ACTION = "insight.real_ids"
STEPS = 5  # progress steps of :func:`compute` (four queries, then the network)


class RealIdsRefused(PermissionError):
    """Real ids asked for by someone who is not an enabled lead of the tenant."""


def real_ids_allowed(role: str | None) -> bool:
    return role == Role.LEAD


def check_real_ids(repo: Repository, tenant_id: str, username: str | None) -> str:
    """The username when it names an enabled lead of ``tenant_id``; refused otherwise."""
    user = repo.find_user(tenant_id, username) if username else None
    if user is None or user.disabled or not real_ids_allowed(user.role):
        raise RealIdsRefused("real account ids are for a console user with the lead role")
    return user.username


def record_real_ids(
    repo: Repository, tenant_id: str, actor: str, where: str, patterns: Patterns
) -> None:
    repo.append_audit(
        tenant_id,
        AuditEntry(
            REAL_IDS_ACTION,
            actor,
            "patterns",
            {"where": where, "accounts": len(patterns.accounts())},
        ),
    )


def compute(
    repo: Repository,
    tenant_id: str,
    settings: PatternSettings,
    progress: Progress | None = None,
) -> tuple[Patterns, nx.Graph, list[Cluster]]:
    patterns = find_patterns(repo, tenant_id, settings, progress)
    if progress:
        progress("network and clusters")
    graph = build_graph(patterns)
    return patterns, graph, clusters(patterns, graph)


def namer(key: bytes, tenant_id: str, real_ids: bool) -> Namer:
    return (lambda account: account) if real_ids else Pseudonymiser(key, tenant_id)


def write_files(
    patterns: Patterns, graph: nx.Graph, ranked: list[Cluster], out: Path, name: Namer
) -> list[Path]:
    return export(patterns, graph, ranked, out, name)


def as_json(patterns: Patterns, ranked: list[Cluster], name: Namer, top: int) -> dict[str, Any]:
    return summary(patterns, ranked, name, top)
