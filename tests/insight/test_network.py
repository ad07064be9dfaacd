"""The network: one component with two tight groups joined by one link is one cluster of
two communities; ranking by risk × (1 + children reached)."""

from __future__ import annotations

from collections import Counter

from safeguarding.insight.network import build_graph, clusters
from safeguarding.insight.patterns import Link, Patterns, PatternSettings


def _patterns(
    links: list[tuple[str, str]], children: dict[str, set[str]], risk: dict[str, float]
) -> Patterns:
    return Patterns(
        "t1",
        PatternSettings(),
        [],
        [],
        [Link(a, b, Counter({"phone": 1})) for a, b in links],
        [],
        children,
        risk,
        {},
    )


def test_two_tight_groups_joined_by_one_link_are_two_communities() -> None:
    left = [("a1", "a2"), ("a1", "a3"), ("a2", "a3"), ("a1", "a4"), ("a2", "a4"), ("a3", "a4")]
    right = [("b1", "b2"), ("b1", "b3"), ("b2", "b3"), ("b1", "b4"), ("b2", "b4"), ("b3", "b4")]
    found = _patterns([*left, *right, ("a4", "b1")], {}, {})
    graph = build_graph(found)
    (cluster,) = clusters(found, graph)
    assert cluster.communities == 2 and len(cluster.accounts) == 8
    community = {n: graph.nodes[n]["community"] for n in graph}
    assert len({community[a] for a in ("a1", "a2", "a3", "a4")}) == 1
    assert community["a1"] != community["b1"]
    assert build_graph(found).nodes(data=True) == graph.nodes(data=True)  # seeded: stable


def test_ranking_weighs_risk_by_children_reached() -> None:
    kids = {f"k{i}" for i in range(9)}
    found = _patterns(
        [("x1", "x2"), ("y1", "y2")],
        {"x1": kids, "y1": {"k0"}},
        {"x1": 0.5, "y1": 0.9},
    )
    ranked = clusters(found, build_graph(found))
    assert [(c.accounts, c.score) for c in ranked] == [
        (("x1", "x2"), 0.5 * 10),
        (("y1", "y2"), 0.9 * 2),
    ]
