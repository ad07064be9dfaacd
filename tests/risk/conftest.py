"""Small hand-made conversations for the risk-stage tests (indicator level only)."""

from __future__ import annotations

import pytest
from conversation_builders import make_conversation

from safeguarding.domain import Conversation, Participant


@pytest.fixture
def grooming() -> Conversation:
    return make_conversation(
        "g1",
        [
            ("a", "gg ur really good at this"),
            ("b", "thanks lol"),
            ("a", "how old r u"),
            ("b", "12 wbu"),
            ("a", "14 haha. ur so mature for 12"),
            ("a", "i can send u some robux if u want"),
            ("b", "omg yes"),
            ("a", "dont tell ur parents tho, our secret"),
            ("a", "do u have snap? this chat is watched"),
            ("a", "r u home alone rn"),
            ("a", "send me a pic so i know its really u"),
        ],
        [
            Participant("a", declared_age=14, account_age_days=3, connected=False),
            Participant("b", declared_age=12, account_age_days=400, connected=False),
        ],
        label="grooming",
        offender="a",
        first_alert_index=7,
    )


@pytest.fixture
def peers() -> Conversation:
    return make_conversation(
        "p1",
        [
            ("a", "did u see the new episode"),
            ("b", "yes the ending was wild"),
            ("a", "r u going to sams party"),
            ("b", "ye dont tell sam its a surprise"),
            ("a", "haha i wont. whats ur discord"),
            ("b", "its b_plays"),
            ("a", "see u at the park at 3"),
        ],
        [
            Participant("a", declared_age=14, account_age_days=500, connected=True),
            Participant("b", declared_age=14, account_age_days=600, connected=True),
        ],
    )
