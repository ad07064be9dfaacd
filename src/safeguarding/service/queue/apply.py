"""Applying fetched queue messages with the service's own ``IngestPipeline.ingest``.

The worker hands this module what its partitions fetched; it decodes, groups by tenant
(keeping each partition's order), runs the pipeline once per group (the same apply as the
one-process service: engine, policy, actions, one transaction) and says what to do with
each message: acknowledge, dead-letter (with a reason), or retry later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from safeguarding.service.events import MessageEvent
from safeguarding.service.ingest_state import IngestResult
from safeguarding.service.problems import ProblemError
from safeguarding.service.queue.codec import PoisonMessage, QueuedEvent, decode

log = logging.getLogger("safeguarding.worker")

# A 409 that a retry can resolve: another writer raced on the same conversation (a worker
# that lost its lease while applying). Everything else a ProblemError says is the event's.
_TRANSIENT_TITLES = frozenset({"Concurrent duplicate"})
MAX_ATTEMPTS = 3  # unexpected errors on one event before it is dead-lettered


class Transient(Exception):
    """The batch could not be applied now (database down, a race): retry it later."""


@dataclass(slots=True)
class Item:
    """One fetched message: ``data`` as queued, its decoded event, or why it is poison."""

    data: bytes
    key: object  # the caller's handle (its message), passed back untouched
    queued: QueuedEvent | None = None
    poison: str | None = None
    created: bool = False  # applied now (not a duplicate of an earlier delivery)


@dataclass(slots=True)
class Outcome:
    done: list[Item] = field(default_factory=list)  # acknowledge
    dead: list[tuple[Item, str]] = field(default_factory=list)  # dead-letter, then acknowledge


Apply = Callable[[str, list[QueuedEvent]], Awaitable[IngestResult]]


def prepare(items: Sequence[Item]) -> None:
    for item in items:
        try:
            item.queued = decode(item.data)
        except PoisonMessage as exc:
            item.poison = str(exc)


def groups(items: Sequence[Item]) -> list[list[Item]]:
    """Runs of consecutive decodable items of one tenant, split where an event id or a
    message id would repeat (the pipeline refuses a batch that repeats one)."""
    out: list[list[Item]] = []
    current: list[Item] = []
    ids: set[str] = set()
    messages: set[tuple[str, str]] = set()
    for item in items:
        q = item.queued
        if q is None:
            continue
        ev = q.event
        message = (ev.conversation_id, ev.message_id) if isinstance(ev, MessageEvent) else None
        if current and (
            current[0].queued is not None
            and current[0].queued.tenant != q.tenant
            or ev.id in ids
            or (message is not None and message in messages)
        ):
            out.append(current)
            current, ids, messages = [], set(), set()
        current.append(item)
        ids.add(ev.id)
        if message is not None:
            messages.add(message)
    if current:
        out.append(current)
    return out


def _problem_reason(exc: ProblemError) -> str:
    # Titles and details name fields and ids, never message text (see service.problems).
    return f"{exc.status} {exc.title}: {exc.detail}"[:1000]


async def apply_items(items: Sequence[Item], apply: Apply) -> Outcome:
    """Apply decoded items group by group; a group refused as a whole is applied one event
    at a time so only the poison ones are dead-lettered. Raises :class:`Transient` when
    the database cannot take a group now (nothing of the failing group is committed)."""
    prepare(items)
    outcome = Outcome(dead=[(i, i.poison) for i in items if i.poison is not None])
    for group in groups(items):
        try:
            await _apply_group(group, apply)
            outcome.done.extend(group)
            continue
        except ProblemError as exc:
            if exc.title in _TRANSIENT_TITLES:
                raise Transient(exc.title) from None
            if len(group) == 1:
                outcome.dead.append((group[0], _problem_reason(exc)))
                continue
        except Exception as exc:  # an unexpected error: find the event that causes it
            if _is_transient(exc):
                raise Transient(type(exc).__name__) from None
            log.warning("group failed, applying one by one", extra={"error": type(exc).__name__})
        for item in group:
            reason = await _apply_single(item, apply)
            if reason is None:
                outcome.done.append(item)
            else:
                outcome.dead.append((item, reason))
    return outcome


async def _apply_group(group: list[Item], apply: Apply) -> None:
    queued = [i.queued for i in group if i.queued is not None]
    result = await apply(queued[0].tenant, queued)
    for item, answer in zip(group, result.results, strict=True):
        item.created = answer.get("status") == "created"


async def _apply_single(item: Item, apply: Apply) -> str | None:
    """None once applied; else why the event is poison."""
    error = "unknown"
    for _ in range(MAX_ATTEMPTS):
        try:
            await _apply_group([item], apply)
            return None
        except ProblemError as exc:
            if exc.title in _TRANSIENT_TITLES:
                raise Transient(exc.title) from None
            return _problem_reason(exc)
        except Exception as exc:
            if _is_transient(exc):
                raise Transient(type(exc).__name__) from None
            error = type(exc).__name__  # the type only: a message may quote the event
    return f"failed {MAX_ATTEMPTS} times: {error}"


def _is_transient(exc: BaseException) -> bool:
    """Database connection trouble (retry) as opposed to an error about the data."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or type(exc).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    return isinstance(exc, ConnectionError | TimeoutError)
