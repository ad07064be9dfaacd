"""A small generated world for the pattern tests, with the answers worked out by hand.

Rows are derived by the service's own code (``add_pattern_rows`` on validated message
events) and written with ``Repository.write_batch``, as at ingest; alerts (known risks) and a
suspension are written beside them.

Planted in tenant A:
- an offender network: fox1, fox2, fox3 open conversations with twelve children using one
  opener script (variants); fox1 reaches k01..k06 within 2.5 hours (a contact burst); fox1
  and fox2 share a phone number written two ways, fox1 and fox3 a Snapchat handle.
- a ban-evasion pair: wolf is suspended; wolf2, created after, shares wolf's Discord handle
  and an image's SHA-256 and contacts a child; wolf itself opens a new conversation later.
- noise: four children share one public link (more than ``max_sharing`` = 3: not a link).
Tenant B uses the same account ids and phone number with another account (otter).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.service.events import MessageEvent
from safeguarding.service.pattern_rows import add_pattern_rows
from safeguarding.storage.records import AccountRecord, ActionRecord, AlertRecord, WriteBatch
from safeguarding.storage.repository import Repository

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
H1 = "ab" * 32  # an image's SHA-256 (made up)
OPENERS = [
    "hey ur really good at this game, how old r u?",
    "Hey ur really good at this game!! how old r u",
    "hey ur really good at this game how old are u",
]
KIDS = [f"k{i:02d}" for i in range(1, 13)]
SECRET_TEXTS = ["add me on snap: foxy_k or text 07700 900555", "my number is +44 7700 900555"]


def _event(cid: str, sender: str, recipient: str, text: str, ts: datetime, **kw: Any) -> Any:
    return MessageEvent.model_validate(
        {
            "type": "message",
            "id": f"e-{cid}-{ts.timestamp()}",
            "conversation_id": cid,
            "message_id": f"m-{ts.timestamp()}",
            "sender": sender,
            "recipients": [recipient],
            "ts": ts.isoformat(),
            "text": text,
            **kw,
        }
    )


def conversation(
    batch: WriteBatch, cid: str, lines: list[tuple[str, str, str, datetime, dict[str, Any]]]
) -> None:
    for index, (sender, recipient, text, ts, extra) in enumerate(lines):
        add_pattern_rows(
            batch.tenant_id, _event(cid, sender, recipient, text, ts, **extra), index, batch
        )


def _accounts(batch: WriteBatch, adults: list[str], created: dict[str, datetime]) -> None:
    for kid in KIDS:
        batch.accounts.append(AccountRecord(kid, None, "13_15", None, T0 - timedelta(days=400)))
    for adult in adults:
        batch.accounts.append(
            AccountRecord(adult, 34, None, None, created.get(adult, T0 - timedelta(days=300)))
        )


def build_tenant_a(repo: Repository, tenant: str) -> None:
    batch = WriteBatch(tenant_id=tenant, received_at=T0)
    _accounts(batch, ["fox1", "fox2", "fox3", "wolf", "wolf2"], {"wolf2": T0 - timedelta(days=5)})
    hour = timedelta(hours=1)
    for i, kid in enumerate(KIDS[:6]):  # fox1: six children in 2.5 hours
        at = T0 + i * hour / 2
        conversation(
            batch,
            f"fox1-{kid}",
            [
                ("fox1", kid, OPENERS[i % 3], at, {}),
                (kid, "fox1", "hi", at + timedelta(minutes=1), {}),
                ("fox1", kid, SECRET_TEXTS[0], at + timedelta(minutes=2), {}),
            ],
        )
    for i, kid in enumerate(KIDS[6:9]):  # fox2: three children, three hours apart
        at = T0 + timedelta(days=1) + i * 3 * hour
        conversation(
            batch,
            f"fox2-{kid}",
            [("fox2", kid, OPENERS[i], at, {}), ("fox2", kid, SECRET_TEXTS[1], at + hour, {})],
        )
    for i, kid in enumerate(KIDS[9:12]):  # fox3
        at = T0 + timedelta(days=2) + i * 5 * hour
        conversation(
            batch,
            f"fox3-{kid}",
            [("fox3", kid, OPENERS[i], at, {}), ("fox3", kid, "snap: foxy_k", at + hour, {})],
        )
    image = {"media": [{"kind": "image", "ref": "img-1", "sha256": H1}]}
    wolf_at = T0 - timedelta(days=10)
    conversation(
        batch,
        "wolf-k01",
        [
            ("wolf", "k01", "what school do you go to then", wolf_at, {}),
            ("wolf", "k01", "add me on discord: wolfy99", wolf_at + hour, image),
        ],
    )
    wolf2_at = T0 - timedelta(days=4)
    conversation(
        batch,
        "wolf2-k02",
        [
            ("wolf2", "k02", "do you like football at all", wolf2_at, {}),
            ("wolf2", "k02", "discord: wolfy99", wolf2_at + hour, image),
        ],
    )
    conversation(  # wolf again, after the suspension
        batch, "wolf-k05", [("wolf", "k05", "long time no see", T0 - timedelta(days=1), {})]
    )
    for i, kid in enumerate(KIDS[:4]):  # a public link four children share
        conversation(
            batch,
            f"kids-{i}",
            [(kid, KIDS[i + 4], "look https://example.org/game", T0 + i * hour, {})],
        )
    batch.alerts += [
        AlertRecord("fox1-k01", 2, 0.8, 2, "fox1", "k01", ["platform_move"], T0),
        AlertRecord("wolf2-k02", 2, 0.6, 1, "wolf2", "k02", ["platform_move"], wolf2_at),
    ]
    batch.actions.append(
        ActionRecord(
            "wolf-k01",
            "wolf",
            "suspend",
            ["r1"],
            {"account": "wolf"},
            False,
            wolf_at + timedelta(days=1),
        )
    )
    repo.write_batch(batch)


def build_tenant_b(repo: Repository, tenant: str) -> None:
    batch = WriteBatch(tenant_id=tenant, received_at=T0)
    _accounts(batch, ["fox1", "otter"], {})
    for who in ("fox1", "otter"):
        conversation(batch, f"{who}-b", [(who, "k01", "call me on 07700 900555", T0, {})])
    repo.write_batch(batch)
