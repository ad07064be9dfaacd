"""Patterns against hand-computed answers on the generated world (``pattern_world``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pattern_world import T0, build_tenant_a, build_tenant_b
from service_helpers import postgres_database, sqlite_url

from safeguarding.insight.network import build_graph, clusters
from safeguarding.insight.patterns import PatternSettings, find_patterns
from safeguarding.storage.repository import Repository

SETTINGS = PatternSettings(window_hours=6, min_children=5, opener_min_children=3, max_sharing=3)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """A migrated repository on each backend (a database of its own on PostgreSQL)."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        repository = Repository.from_url(url)
        repository.migrate()
        yield repository
        repository.close()
        return
    request.getfixturevalue("require_service")("PostgreSQL", "127.0.0.1", 5432)
    for url in postgres_database(prefix="sg_patterns_"):
        repository = Repository.from_url(url)
        repository.migrate()
        yield repository
        repository.close()


@pytest.fixture
def world(repo: Repository) -> Iterator[tuple[Repository, str, str]]:
    a = repo.create_tenant("tenant-a").id
    b = repo.create_tenant("tenant-b").id
    build_tenant_a(repo, a)
    build_tenant_b(repo, b)
    yield repo, a, b


def test_contact_burst_and_repeated_openers(world: tuple[Repository, str, str]) -> None:
    repo, a, _ = world
    found = find_patterns(repo, a, SETTINGS)
    assert [(b.account, b.children) for b in found.bursts] == [("fox1", 6)]
    burst = found.bursts[0]
    assert (burst.start, burst.end) == (T0, T0 + timedelta(hours=2.5))
    assert [(r.account, r.children) for r in found.repeated_openers] == [
        ("fox1", 6),
        ("fox2", 3),
        ("fox3", 3),
    ]
    # A shorter window splits fox1's six children: at most five within two hours.
    narrow = find_patterns(repo, a, PatternSettings(2, 5, 3, 3))
    assert [(b.account, b.children) for b in narrow.bursts] == [("fox1", 5)]


def test_links_offender_network_and_ban_evasion(world: tuple[Repository, str, str]) -> None:
    repo, a, _ = world
    found = find_patterns(repo, a, SETTINGS)
    links = {(link.a, link.b): dict(link.kinds) for link in found.links}
    assert links == {
        ("fox1", "fox2"): {"phone": 1, "opener": 1},
        ("fox1", "fox3"): {"handle": 1, "opener": 1},
        ("fox2", "fox3"): {"opener": 1},
        ("wolf", "wolf2"): {"handle": 1, "media": 1},
    }
    offenders = {(r.suspended, r.account, r.via, r.acted_at) for r in found.repeat_offenders}
    assert offenders == {
        ("wolf", "wolf", "same_account", T0 - timedelta(days=1)),
        ("wolf", "wolf2", "handle+media", T0 - timedelta(days=5)),  # wolf2 was created then
    }
    graph = build_graph(found)
    ranked = clusters(found, graph)
    assert [(c.accounts, c.children_reached, c.risk, c.score) for c in ranked] == [
        (("fox1", "fox2", "fox3"), 12, 0.8, pytest.approx(0.8 * 13)),
        (("wolf", "wolf2"), 3, 1.0, 4.0),  # suspended: risk 1; k01, k05 and k02
    ]
    assert ranked[1].repeat_offending and not ranked[0].repeat_offending
    assert [c.communities for c in ranked] == [1, 1]


def test_public_identifiers_are_not_links(world: tuple[Repository, str, str]) -> None:
    repo, a, _ = world
    strict = find_patterns(repo, a, SETTINGS)
    assert not any(link.a.startswith("k") for link in strict.links)
    loose = find_patterns(repo, a, PatternSettings(6, 5, 3, 4))
    kid_links = {(x.a, x.b) for x in loose.links if x.a.startswith("k")}
    assert kid_links == {
        ("k01", "k02"),
        ("k01", "k03"),
        ("k01", "k04"),
        ("k02", "k03"),
        ("k02", "k04"),
        ("k03", "k04"),
    }


def test_a_second_tenants_links_never_join_the_first(world: tuple[Repository, str, str]) -> None:
    repo, a, b = world
    in_a = find_patterns(repo, a, SETTINGS)
    in_b = find_patterns(repo, b, SETTINGS)
    assert "otter" not in in_a.accounts()
    assert {(x.a, x.b) for x in in_b.links} == {("fox1", "otter")}
    assert in_b.suspended == {} and in_b.repeat_offenders == []
    # Tenant B's fox1 reached one child (B's k01), not tenant A's fox1's six.
    assert in_b.children == {"fox1": {"k01"}, "otter": {"k01"}}
    assert in_b.risk == {}


def test_no_message_text_is_stored(world: tuple[Repository, str, str]) -> None:
    from sqlalchemy import text

    repo, a, _ = world
    with repo.engine.connect() as conn:
        rows = [
            str(tuple(r))
            for table in ("account_identifiers", "conversation_openers")
            for r in conn.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
        ]
    assert rows
    for needle in ("900555", "foxy_k", "wolfy99", "good at this game", "example.org"):
        assert not any(needle in row for row in rows), needle
