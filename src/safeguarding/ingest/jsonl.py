"""Reader for the DATASPEC.md conversation format (JSON Lines, one conversation a line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from safeguarding.domain import Conversation, Message, Participant, TacticLabel
from safeguarding.ingest.errors import CorpusError
from safeguarding.ingest.text import clean_text


def parse_ts(value: Any) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` allowed); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, got {type(value).__name__}")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _opt_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number or null, got {value!r}")
    return int(value)


def conversation_from_dict(obj: Any, source: str | None = None) -> Conversation:
    """Build a conversation from one decoded DATASPEC object; raises ``ValueError`` on bad data."""
    if not isinstance(obj, dict):
        raise ValueError("a conversation must be a JSON object")
    cid = obj.get("id")
    if not isinstance(cid, str) or not cid:
        raise ValueError("missing or empty 'id'")
    raw_parts = obj.get("participants") or []
    if not isinstance(raw_parts, list):
        raise ValueError("'participants' must be a list")
    participants: list[Participant] = []
    for p in raw_parts:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise ValueError("each participant needs a string 'id'")
        participants.append(
            Participant(
                id=p["id"],
                declared_age=_opt_int(p.get("declared_age"), "declared_age"),
                account_age_days=_opt_int(p.get("account_age_days"), "account_age_days"),
                connected=p.get("connected") if isinstance(p.get("connected"), bool) else None,
                true_age=_opt_int(p.get("true_age"), "true_age"),
            )
        )
    raw_msgs = obj.get("messages")
    if not isinstance(raw_msgs, list):
        raise ValueError("'messages' must be a list")
    known = {p.id for p in participants}
    messages: list[Message] = []
    for i, m in enumerate(raw_msgs):
        if not isinstance(m, dict):
            raise ValueError(f"message {i} is not an object")
        sender = m.get("from")
        if not isinstance(sender, str) or not sender:
            raise ValueError(f"message {i} has no 'from'")
        text = m.get("text")
        if not isinstance(text, str):
            raise ValueError(f"message {i} has no string 'text'")
        if sender not in known:
            # documented treatment: an unknown sender joins as a participant we know nothing of
            participants.append(Participant(id=sender))
            known.add(sender)
        messages.append(
            Message(
                conversation_id=cid,
                sender=sender,
                text=clean_text(text),
                ts=parse_ts(m.get("ts")),
                message_id=m.get("id") if isinstance(m.get("id"), str) else None,
                index=i,
                platform=obj.get("platform"),
                locale=obj.get("locale"),
            )
        )
    tactics = [
        TacticLabel(index=int(t["i"]), tactic=str(t["tactic"]))
        for t in obj.get("tactics") or []
        if isinstance(t, dict) and "i" in t and "tactic" in t
    ]
    return Conversation(
        id=cid,
        participants=participants,
        messages=messages,
        platform=obj.get("platform"),
        locale=obj.get("locale"),
        label=obj.get("label"),
        category=obj.get("category"),
        offender=obj.get("offender"),
        tactics=tactics,
        first_alert_index=_opt_int(obj.get("first_alert_index"), "first_alert_index"),
        variant_of=obj.get("variant_of"),
        notes=obj.get("notes"),
        source=source,
    )


def read_jsonl(path: str | Path, errors: list[CorpusError] | None = None) -> Iterator[Conversation]:
    """Yield conversations from a DATASPEC JSON Lines file.

    A bad line raises :class:`CorpusError` with its line number, unless ``errors`` is given:
    then the error is appended there and reading continues, so one bad line loses nothing else.
    """
    path = Path(path)
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
                yield conversation_from_dict(obj, source=f"{path}:{lineno}")
            except ValueError as exc:
                err = CorpusError(str(path), lineno, str(exc))
                if errors is None:
                    raise err from exc
                errors.append(err)
