"""Builders of small hand-made conversations for the risk-stage tests (indicator level)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from safeguarding.domain import Conversation, Message, Participant


def make_conversation(
    cid: str,
    lines: list[tuple[str, str]],
    participants: list[Participant],
    label: str = "benign",
    offender: str | None = None,
    first_alert_index: int | None = None,
) -> Conversation:
    start = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    messages = [
        Message(cid, sender, text, ts=start + timedelta(minutes=i), index=i)
        for i, (sender, text) in enumerate(lines)
    ]
    return Conversation(
        id=cid,
        participants=participants,
        messages=messages,
        platform="game_chat",
        locale="en-GB",
        label=label,
        category="grooming" if label == "grooming" else "benign_peer",
        offender=offender,
        first_alert_index=first_alert_index,
    )
