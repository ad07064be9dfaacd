"""The network of pattern links (networkx): clusters ranked, exported for Gephi and i2.

Nodes are the accounts a pattern names; edges the links between them (shared contact
details, media, opener scripts). A cluster is a connected component. Clusters are ranked by
``score = risk × (1 + children reached)``: risk is the highest alert risk of an account in
the cluster (1.0 when one of them was suspended), children reached the distinct children its
accounts opened conversations with. Exports carry ids (pseudonymised unless asked
otherwise), counts and link kinds: never message text, never the linking values.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from safeguarding.insight.patterns import Patterns

Namer = Callable[[str], str]
NODE_FIELDS = (
    "community",
    "children",
    "risk",
    "suspended",
    "burst_children",
    "opener_children",
    "repeat_offender",
)


@dataclass(slots=True, frozen=True)
class Cluster:
    rank: int
    accounts: tuple[str, ...]
    children_reached: int
    risk: float
    score: float
    suspended: int
    repeat_offending: bool
    communities: int


def build_graph(patterns: Patterns) -> nx.Graph:
    bursts = {b.account: b.children for b in patterns.bursts}
    openers = {r.account: r.children for r in patterns.repeated_openers}
    evaders = {r.account for r in patterns.repeat_offenders}
    graph = nx.Graph()
    for account in sorted(patterns.accounts()):
        graph.add_node(
            account,
            children=len(patterns.children.get(account, ())),
            risk=round(patterns.risk.get(account, 0.0), 4),
            suspended=account in patterns.suspended,
            burst_children=bursts.get(account, 0),
            opener_children=openers.get(account, 0),
            repeat_offender=account in evaders,
        )
    for link in patterns.links:
        graph.add_edge(
            link.a,
            link.b,
            kinds="+".join(sorted(link.kinds)),
            weight=sum(link.kinds.values()),
        )
    # Communities (Louvain, seeded: the same graph gives the same numbers) split a large
    # component where its accounts cluster more tightly among themselves.
    found = nx.community.louvain_communities(graph, weight="weight", seed=13)
    for number, members in enumerate(sorted((sorted(c) for c in found), key=lambda m: m[0])):
        for node in members:
            graph.nodes[node]["community"] = number + 1
    return graph


def clusters(patterns: Patterns, graph: nx.Graph) -> list[Cluster]:
    evaders = {x for r in patterns.repeat_offenders for x in (r.suspended, r.account)}
    found = []
    for component in nx.connected_components(graph):
        members = tuple(sorted(component))
        reached = set().union(*(patterns.children.get(a, set()) for a in members))
        risk = max(patterns.risk.get(a, 0.0) for a in members)
        suspended = sum(a in patterns.suspended for a in members)
        if suspended:
            risk = max(risk, 1.0)
        score = risk * (1 + len(reached))
        communities = len({graph.nodes[a]["community"] for a in members})
        found.append(
            (score, len(reached), members, risk, suspended, bool(evaders & component), communities)
        )
    found.sort(key=lambda c: (-c[0], -c[1], c[2]))
    return [
        Cluster(i + 1, members, n, round(risk, 4), round(score, 4), suspended, evading, parts)
        for i, (score, n, members, risk, suspended, evading, parts) in enumerate(found)
    ]


def named_graph(graph: nx.Graph, ranked: list[Cluster], name: Namer) -> nx.Graph:
    """A copy of ``graph`` with ids passed through ``name`` and each node's cluster rank."""
    rank = {a: c.rank for c in ranked for a in c.accounts}
    out = nx.Graph()
    for node, attrs in graph.nodes(data=True):
        out.add_node(name(node), cluster=rank[node], **attrs)
    for a, b, attrs in graph.edges(data=True):
        out.add_edge(name(a), name(b), **attrs)
    return out


def export(
    patterns: Patterns, graph: nx.Graph, ranked: list[Cluster], out: Path, name: Namer
) -> list[Path]:
    """``patterns.graphml``, ``nodes.csv``, ``edges.csv``, ``clusters.csv`` and the findings
    (``bursts.csv``, ``repeated-openers.csv``, ``repeat-offenders.csv``) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    g = named_graph(graph, ranked, name)
    paths = [out / "patterns.graphml"]
    nx.write_graphml(g, paths[0])
    node_fields = ["id", "cluster", *NODE_FIELDS]
    paths.append(
        _csv(
            out / "nodes.csv",
            node_fields,
            (
                [n, attrs["cluster"], *(attrs[f] for f in node_fields[2:])]
                for n, attrs in sorted(g.nodes(data=True))
            ),
        )
    )
    paths.append(
        _csv(
            out / "edges.csv",
            ["source", "target", "kinds", "weight"],
            sorted([a, b, d["kinds"], d["weight"]] for a, b, d in g.edges(data=True)),
        )
    )
    paths.append(
        _csv(
            out / "clusters.csv",
            [
                "rank",
                "accounts",
                "children_reached",
                "risk",
                "score",
                "suspended",
                "repeat_offending",
                "communities",
                "members",
            ],
            (
                [
                    c.rank,
                    len(c.accounts),
                    c.children_reached,
                    c.risk,
                    c.score,
                    c.suspended,
                    c.repeat_offending,
                    c.communities,
                    " ".join(sorted(name(a) for a in c.accounts)),
                ]
                for c in ranked
            ),
        )
    )
    paths.append(
        _csv(
            out / "bursts.csv",
            ["account", "children", "window_start", "window_end"],
            (
                [name(b.account), b.children, b.start.isoformat(), b.end.isoformat()]
                for b in patterns.bursts
            ),
        )
    )
    paths.append(
        _csv(
            out / "repeated-openers.csv",
            ["account", "children"],
            ([name(r.account), r.children] for r in patterns.repeated_openers),
        )
    )
    paths.append(
        _csv(
            out / "repeat-offenders.csv",
            ["suspended", "account", "via", "suspended_at", "acted_at"],
            (
                [
                    name(r.suspended),
                    name(r.account),
                    r.via,
                    r.suspended_at.isoformat(),
                    r.acted_at.isoformat(),
                ]
                for r in patterns.repeat_offenders
            ),
        )
    )
    return paths


def _csv(path: Path, header: list[str], rows: Any) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def summary(patterns: Patterns, ranked: list[Cluster], name: Namer, top: int) -> dict[str, Any]:
    """The findings as JSON (API, console): ids through ``name``, no text, no values."""
    return {
        "settings": {
            "window_hours": patterns.settings.window_hours,
            "min_children": patterns.settings.min_children,
            "opener_min_children": patterns.settings.opener_min_children,
            "max_sharing": patterns.settings.max_sharing,
        },
        "clusters": [
            {
                "rank": c.rank,
                "accounts": sorted(name(a) for a in c.accounts),
                "children_reached": c.children_reached,
                "risk": c.risk,
                "score": c.score,
                "suspended": c.suspended,
                "repeat_offending": c.repeat_offending,
                "communities": c.communities,
            }
            for c in ranked[:top]
        ],
        "cluster_count": len(ranked),
        "bursts": [
            {
                "account": name(b.account),
                "children": b.children,
                "window_start": b.start.isoformat(),
                "window_end": b.end.isoformat(),
            }
            for b in patterns.bursts[:top]
        ],
        "repeated_openers": [
            {"account": name(r.account), "children": r.children}
            for r in patterns.repeated_openers[:top]
        ],
        "links": [
            {"a": name(link.a), "b": name(link.b), "kinds": dict(sorted(link.kinds.items()))}
            for link in patterns.links[:top]
        ],
        "repeat_offenders": [
            {
                "suspended": name(r.suspended),
                "account": name(r.account),
                "via": r.via,
                "suspended_at": r.suspended_at.isoformat(),
                "acted_at": r.acted_at.isoformat(),
            }
            for r in patterns.repeat_offenders[:top]
        ],
        "counts": {
            "bursts": len(patterns.bursts),
            "repeated_openers": len(patterns.repeated_openers),
            "links": len(patterns.links),
            "repeat_offenders": len(patterns.repeat_offenders),
        },
    }
