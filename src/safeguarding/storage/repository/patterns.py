"""The investigators' patterns, read in SQL: every query filters on the tenant.

Written at ingest (``_add_pattern_rows``, inside the batch's transaction): fingerprints of
the contact details and media an account sent, and each conversation's opener. Read by
``safeguarding.insight.patterns``: senders of openers to many children, identifiers and
opener bands shared by several accounts, suspensions, risk and account creation times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)

from safeguarding.storage.models import Account, ActionRow, AlertRow, StoredMessage
from safeguarding.storage.models_patterns import AccountIdentifierRow, OpenerRow
from safeguarding.storage.records import WriteBatch
from safeguarding.storage.repository.base import RepositoryBase, rows_in_chunks, table_of

MINOR_BANDS = ("under_13", "13_15", "16_17")
BAND_COLUMNS = tuple(f"band{i}" for i in range(6))
SUSPEND = "suspend"


@dataclass(slots=True, frozen=True)
class OpenerFact:
    """One opener as the patterns read it: no text, only who, whom, when and its bands."""

    sender: str
    recipient: str | None
    ts: datetime
    to_child: bool
    bands: tuple[int | None, ...]


@dataclass(slots=True, frozen=True)
class SharedIdentifier:
    """Accounts that sent the same contact detail, URL or media hash (or opener band)."""

    kind: str
    accounts: tuple[tuple[str, datetime], ...]  # (account, first seen), oldest first


@dataclass(slots=True, frozen=True)
class StoredMessageFacts:
    """What the pattern backfill reads of a stored message (text: ``None`` once purged)."""

    conversation_id: str
    idx: int
    sender: str
    recipients: list[str]
    ts: datetime
    text: str | None
    media: list[dict[str, Any]] | None


def is_child(account: type[Account] | Any) -> ColumnElement[bool]:
    """SQL: the account is a minor (verified age, else age band, else declared age)."""
    return case(
        (account.verified_age.is_not(None), account.verified_age < 18),
        (account.age_band.is_not(None), account.age_band.in_(MINOR_BANDS)),
        (account.declared_age.is_not(None), account.declared_age < 18),
        else_=False,
    )


_OPENERS_OF = (
    select(
        OpenerRow.sender,
        OpenerRow.recipient,
        OpenerRow.ts,
        func.coalesce(is_child(Account), False).label("to_child"),
        *(getattr(OpenerRow, c) for c in BAND_COLUMNS),
    )
    .select_from(OpenerRow)
    .outerjoin(
        Account, and_(Account.tenant_id == OpenerRow.tenant_id, Account.id == OpenerRow.recipient)
    )
    .where(
        OpenerRow.tenant_id == bindparam("tenant_id"),
        OpenerRow.sender.in_(bindparam("ids", expanding=True)),
    )
)


class PatternStore(RepositoryBase):
    """Derived pattern rows: written with each ingest batch, read by insight."""

    def _add_pattern_rows(self, conn: Connection, tenant: str, batch: WriteBatch) -> None:
        self._insert_ignore(
            conn,
            table_of(AccountIdentifierRow),
            [
                {
                    "tenant_id": tenant,
                    "account_id": i.account_id,
                    "kind": i.kind,
                    "digest": i.digest,
                    "first_seen": i.seen_at,
                }
                for i in batch.identifiers
            ],
        )
        rows = []
        for o in batch.openers:
            row: dict[str, Any] = {
                "tenant_id": tenant,
                "conversation_id": o.conversation_id,
                "sender": o.sender,
                "recipient": o.recipient,
                "ts": o.ts,
            }
            bands = o.bands or (None,) * len(BAND_COLUMNS)
            row.update(zip(BAND_COLUMNS, bands, strict=True))
            rows.append(row)
        self._insert_ignore(conn, table_of(OpenerRow), rows)

    def messages_for_patterns(
        self, tenant_id: str, after: tuple[str, int] | None, limit: int
    ) -> list[StoredMessageFacts]:
        """A page of the tenant's stored messages in (conversation, index) order, after
        ``after``: what the pattern backfill derives its rows from."""
        m = StoredMessage
        stmt = select(
            m.conversation_id, m.idx, m.sender, m.recipients, m.ts, m.text, m.media
        ).where(m.tenant_id == tenant_id)
        if after is not None:
            stmt = stmt.where(
                or_(
                    m.conversation_id > after[0],
                    and_(m.conversation_id == after[0], m.idx > after[1]),
                )
            )
        stmt = stmt.order_by(m.conversation_id, m.idx).limit(limit)
        with self.engine.connect() as conn:
            return [
                StoredMessageFacts(
                    r.conversation_id,
                    r.idx,
                    r.sender,
                    list(r.recipients or []),
                    r.ts,
                    r.text,
                    r.media,
                )
                for r in conn.execute(stmt)
            ]

    def write_pattern_rows(self, batch: WriteBatch) -> None:
        """Add derived pattern rows outside an ingest batch (the backfill); kept if present."""
        with self._write() as conn:
            self._add_pattern_rows(conn, batch.tenant_id, batch)

    def child_contact_counts(self, tenant_id: str, min_children: int) -> dict[str, int]:
        """Senders of openers to at least ``min_children`` distinct children, with the count."""
        o, a = OpenerRow, Account
        n = func.count(func.distinct(o.recipient))
        # Senders with enough recipients of any age first (walks the sender index), then
        # only their openers are joined to the accounts to count the children.
        enough = (
            select(o.sender)
            .where(o.tenant_id == tenant_id)
            .group_by(o.sender)
            .having(n >= min_children)
        )
        stmt = (
            select(o.sender, n)
            .select_from(o)
            .join(a, and_(a.tenant_id == o.tenant_id, a.id == o.recipient))
            .where(
                o.tenant_id == tenant_id,
                o.sender.in_(enough.scalar_subquery()),
                is_child(a),
            )
            .group_by(o.sender)
            .having(n >= min_children)
        )
        with self.engine.connect() as conn:
            return {r[0]: int(r[1]) for r in conn.execute(stmt)}

    def openers_of(self, tenant_id: str, senders: Iterable[str]) -> Iterator[OpenerFact]:
        """Every opener the given accounts sent, oldest first per sender."""
        ids = sorted(set(senders))
        with self.engine.connect() as conn:
            for r in rows_in_chunks(conn, _OPENERS_OF, tenant_id, ids):
                yield OpenerFact(r.sender, r.recipient, r.ts, bool(r.to_child), tuple(r[4 : 4 + 6]))

    def shared_identifiers(self, tenant_id: str, max_accounts: int) -> list[SharedIdentifier]:
        """Identifiers sent by 2..``max_accounts`` accounts (more: a public link, a meme)."""
        i = AccountIdentifierRow
        shared = (
            select(i.kind, i.digest)
            .where(i.tenant_id == tenant_id)
            .group_by(i.kind, i.digest)
            .having(func.count() >= 2, func.count() <= max_accounts)
            .subquery()
        )
        stmt = (
            select(i.kind, i.digest, i.account_id, i.first_seen)
            .join(shared, and_(shared.c.kind == i.kind, shared.c.digest == i.digest))
            .where(i.tenant_id == tenant_id)
            .order_by(i.kind, i.digest, i.first_seen, i.account_id)
        )
        with self.engine.connect() as conn:
            return _grouped(conn.execute(stmt), key_width=2)

    def shared_openers(self, tenant_id: str, max_accounts: int) -> list[SharedIdentifier]:
        """Opener bands used by 2..``max_accounts`` senders: the same script, several accounts.

        Per band column: the shared values first (one grouped scan), then their openers
        (``IN`` a materialised subquery: one more scan with a hashed look-up per row)."""
        o = OpenerRow
        out: list[SharedIdentifier] = []
        with self.engine.connect() as conn:
            for name in BAND_COLUMNS:
                band = getattr(o, name)
                n = func.count(func.distinct(o.sender))
                shared = (
                    select(band)
                    .where(o.tenant_id == tenant_id, band.is_not(None))
                    .group_by(band)
                    .having(n >= 2, n <= max_accounts)
                )
                first = func.min(o.ts)
                stmt = (
                    select(band, o.sender, first)
                    .where(o.tenant_id == tenant_id, band.in_(shared.scalar_subquery()))
                    .group_by(band, o.sender)
                    .order_by(band, first, o.sender)
                )
                out.extend(_grouped(conn.execute(stmt), key_width=1, kind="opener"))
        return out

    def suspensions(self, tenant_id: str) -> dict[str, datetime]:
        """Accounts suspended (not in shadow mode), with the first suspension's time."""
        x = ActionRow
        stmt = (
            select(x.account_id, func.min(x.created_at))
            .where(
                x.tenant_id == tenant_id,
                x.action_type == SUSPEND,
                x.shadow.is_(False),
                x.account_id.is_not(None),
            )
            .group_by(x.account_id)
        )
        with self.engine.connect() as conn:
            return {str(r[0]): _aware(r[1]) for r in conn.execute(stmt)}

    def offender_risk(self, tenant_id: str, accounts: Sequence[str]) -> dict[str, float]:
        """The highest alert risk of each account as the suspected offender."""
        stmt = (
            select(AlertRow.offender, func.max(AlertRow.risk).label("max_risk"))
            .where(
                AlertRow.tenant_id == bindparam("tenant_id"),
                AlertRow.offender.in_(bindparam("ids", expanding=True)),
            )
            .group_by(AlertRow.offender)
        )
        with self.engine.connect() as conn:
            return {
                str(r.offender): float(r.max_risk or 0.0)
                for r in rows_in_chunks(conn, stmt, tenant_id, list(accounts))
            }

    def account_created(self, tenant_id: str, accounts: Sequence[str]) -> dict[str, datetime]:
        stmt = select(Account.id, Account.created_at).where(
            Account.tenant_id == bindparam("tenant_id"),
            Account.id.in_(bindparam("ids", expanding=True)),
            Account.created_at.is_not(None),
        )
        with self.engine.connect() as conn:
            return {
                str(r.id): _aware(r.created_at)
                for r in rows_in_chunks(conn, stmt, tenant_id, list(accounts))
            }


def _aware(value: Any) -> datetime:
    """A UTC datetime from what an aggregate hands back (SQLite: naive, or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _grouped(
    rows: Iterable[Any], key_width: int, kind: str | None = None
) -> list[SharedIdentifier]:
    out: list[SharedIdentifier] = []
    current: Any = None
    members: list[tuple[str, datetime]] = []
    for r in rows:
        key = tuple(r[:key_width])
        if key != current:
            if members:
                out.append(SharedIdentifier(kind or str(current[0]), tuple(members)))
            current, members = key, []
        if not members or members[-1][0] != r[key_width]:
            members.append((r[key_width], _aware(r[key_width + 1])))
    if members:
        out.append(SharedIdentifier(kind or str(current[0]), tuple(members)))
    return out
