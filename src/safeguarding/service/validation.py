"""Checks a batch passes before anything is touched: a refused batch changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from safeguarding.service.events import AnyEvent, ConnectionEvent, MessageEvent, ReportEvent
from safeguarding.service.problems import ProblemError
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository


def validate_batch(events: list[AnyEvent], now: datetime, settings: Settings) -> None:
    """Refuse (422) repeated ids, timestamps too far ahead, overlong texts and
    self-connections."""
    seen: set[str] = set()
    seen_messages: set[tuple[str, str]] = set()
    horizon = now + timedelta(seconds=settings.max_future_skew_s)
    for i, ev in enumerate(events):
        where = f"events[{i}] (id {ev.id!r})"
        if ev.id in seen:
            raise ProblemError(422, "Duplicate event id", f"{where} repeats an event id.")
        seen.add(ev.id)
        ts = getattr(ev, "ts", None)
        if ts is not None and ts > horizon:
            raise ProblemError(
                422,
                "Timestamp in the future",
                f"{where}: ts {ts.isoformat()} is more than "
                f"{settings.max_future_skew_s} s ahead of the server clock.",
            )
        if isinstance(ev, MessageEvent):
            if len(ev.text) > settings.max_text_chars:
                raise ProblemError(
                    422,
                    "Text too long",
                    f"{where}: text has {len(ev.text)} characters; the limit is "
                    f"{settings.max_text_chars}.",
                )
            key = (ev.conversation_id, ev.message_id)
            if key in seen_messages:
                raise ProblemError(422, "Duplicate message id", f"{where} repeats a message id.")
            seen_messages.add(key)
        if isinstance(ev, ConnectionEvent) and ev.account_id == ev.other_account_id:
            raise ProblemError(422, "Invalid connection", f"{where} connects an account to itself.")


def check_report_conversations(
    repo: Repository, tenant: str, events: list[AnyEvent], in_memory: Iterable[str]
) -> None:
    """A report may only name a conversation that exists (stored, or ``in_memory``) or
    arrives earlier in the batch."""
    created_here: set[str] = set()
    needed: dict[str, int] = {}
    for i, ev in enumerate(events):
        if isinstance(ev, MessageEvent):
            created_here.add(ev.conversation_id)
        elif (
            isinstance(ev, ReportEvent)
            and ev.conversation_id is not None
            and ev.conversation_id not in created_here
        ):
            needed.setdefault(ev.conversation_id, i)
    if not needed:
        return
    known = repo.existing_conversations(tenant, needed) | set(in_memory)
    for cid, i in needed.items():
        if cid not in known:
            raise ProblemError(
                422,
                "Unknown conversation",
                f"events[{i}] reports conversation {cid!r}, which has no messages yet.",
            )
