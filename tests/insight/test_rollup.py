"""The daily roll-up: hand-counted figures, incremental and idempotent, tenant by tenant."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from planting import plant

from safeguarding.benchmarks.history import HistoryWriter, action_row
from safeguarding.storage.models import ActionRow
from safeguarding.storage.repository import Repository

DAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday
H = timedelta(hours=1)
M = timedelta(minutes=1)


def _counts(repo: Repository, tenant: str, metric: str, dimension: str) -> dict[str, int]:
    rows = repo.daily_counts(tenant, metric, dimension, "2000-01-01", "2100-01-01")
    out: dict[str, int] = {}
    for _, value, n in rows:
        out[value] = out.get(value, 0) + n
    return out


def _plant_day(repo: Repository, tenant: str) -> None:
    plant(
        repo,
        tenant,
        "A",
        DAY,
        first_risky=1,
        alert_after=4 * M,
        tactics=("secrecy",),
        area="game_chat",
        age_band="under_13",
        actions=[(5 * M, "warn"), (9 * M, "hold_message")],
        decision=(2 * H, "report"),
        report=4 * H,
    )
    plant(
        repo,
        tenant,
        "B",
        DAY,
        harm="sextortion",
        alert_after=10 * M,
        tactics=("threat", "image_request"),
        actions=[(30 * M, "suspend")],
    )
    plant(repo, tenant, "C", DAY, tactics=("media_match",), locale="de-DE")
    plant(repo, tenant, "D", DAY + 24 * H, harm="criminal_exploitation", tactics=("isolation",))


def test_rollup_counts_each_dimension(repo: Repository) -> None:
    _plant_day(repo, "t1")
    # Not counted: a shadow action and another tenant's alert.
    HistoryWriter(repo).insert(ActionRow, [action_row("t1", "A", DAY + H, "warn", shadow=True)])
    plant(repo, "t2", "A", DAY, tactics=("meeting",))

    done = repo.rollup("t1")
    assert done == {"alerts": 4, "case_events": 5, "actions": 3, "reports": 1}
    days = dict(
        (d, n) for d, _, n in repo.daily_counts("t1", "alerts", "all", "2026-03-01", "2026-03-31")
    )
    assert days == {"2026-03-03": 3, "2026-03-04": 1}
    assert _counts(repo, "t1", "alerts", "harm") == {
        "grooming": 1,
        "sextortion": 1,
        "known_media": 1,
        "criminal_exploitation": 1,
    }
    assert _counts(repo, "t1", "alerts", "tactic") == {
        "secrecy": 1,
        "threat": 1,
        "image_request": 1,
        "media_match": 1,
        "isolation": 1,
    }
    assert _counts(repo, "t1", "alerts", "area") == {"game_chat": 1, "direct_messages": 3}
    assert _counts(repo, "t1", "alerts", "locale") == {"en-GB": 3, "de-DE": 1}
    assert _counts(repo, "t1", "alerts", "age_band") == {"under_13": 1, "13_15": 3}
    assert _counts(repo, "t1", "actions", "type") == {"warn": 1, "hold_message": 1, "suspend": 1}
    assert _counts(repo, "t1", "actions", "area") == {"game_chat": 2, "direct_messages": 1}
    assert _counts(repo, "t1", "cases", "all") == {"": 4}
    assert _counts(repo, "t1", "decisions", "type") == {"report": 1}
    assert _counts(repo, "t1", "reports", "type") == {"ncmec": 1}
    assert _counts(repo, "t1", "reports", "harm") == {"grooming": 1}
    # The other tenant's rows are its own.
    assert _counts(repo, "t2", "alerts", "all") == {}
    repo.rollup("t2")
    assert _counts(repo, "t2", "alerts", "tactic") == {"meeting": 1}

    facts = {
        r.conversation_id: r for r in repo.alerted_conversations("t1", "2026-03-01", "2026-03-31")
    }
    a = facts["A"]
    assert a.first_risky_at == DAY + M
    assert (a.alerted_at - a.first_risky_at, a.actioned_at - a.first_risky_at) == (4 * M, 5 * M)
    assert (a.decided_at - a.first_risky_at, a.reported_at - a.first_risky_at) == (2 * H, 4 * H)
    assert facts["B"].decided_at is None and facts["B"].reported_at is None


def test_rollup_is_incremental_and_idempotent(repo: Repository) -> None:
    _plant_day(repo, "t1")
    repo.rollup("t1")
    before = _counts(repo, "t1", "actions", "all")
    assert repo.rollup("t1") == {"alerts": 0, "case_events": 0, "actions": 0, "reports": 0}
    assert not repo.rollup_pending("t1")
    assert _counts(repo, "t1", "actions", "all") == before == {"": 3}

    # A later action: only it is read, added to its day; an earlier first action moves
    # the conversation's time to act.
    HistoryWriter(repo).insert(ActionRow, [action_row("t1", "B", DAY + 2 * M, "warn")])
    assert repo.rollup_pending("t1")
    assert repo.rollup("t1")["actions"] == 1
    assert _counts(repo, "t1", "actions", "all") == {"": 4}
    facts = {
        r.conversation_id: r for r in repo.alerted_conversations("t1", "2026-03-03", "2026-03-03")
    }
    assert facts["B"].actioned_at == DAY + 2 * M

    rebuilt = repo.rebuild_rollup("t1")
    assert rebuilt["actions"] == 4
    assert _counts(repo, "t1", "actions", "all") == {"": 4}
