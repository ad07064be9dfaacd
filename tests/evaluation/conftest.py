"""Builders for tiny hand-made conversations whose measures can be worked out by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from safeguarding.domain import Conversation, Message, Participant

ConversationFactory = Callable[..., Conversation]


def build_conversation(
    cid: str,
    label: str = "benign",
    n: int = 10,
    *,
    texts: Sequence[str] | None = None,
    senders: Sequence[str] = ("a", "b"),
    category: str | None = None,
    locale: str = "en-GB",
    first_alert_index: int | None = None,
    variant_of: str | None = None,
    offender: str | None = None,
) -> Conversation:
    lines = list(texts) if texts is not None else [f"message {i}" for i in range(n)]
    messages = [
        Message(conversation_id=cid, sender=senders[i % len(senders)], text=t, index=i)
        for i, t in enumerate(lines)
    ]
    return Conversation(
        id=cid,
        participants=[Participant(s) for s in senders],
        messages=messages,
        locale=locale,
        label=label,
        category=category or ("grooming" if label == "grooming" else "benign_peer"),
        offender=offender if offender is not None else ("a" if label == "grooming" else None),
        first_alert_index=first_alert_index,
        variant_of=variant_of,
    )


@pytest.fixture
def make_conversation() -> ConversationFactory:
    return build_conversation
