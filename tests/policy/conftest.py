from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy import PolicyError, parse_policy
from safeguarding.policy.facts import AccountFacts, PolicyInput

MakeFacts = Callable[..., PolicyInput]
Refused = Callable[[str], PolicyError]


@pytest.fixture
def refused() -> Refused:
    """Parse a policy text that must be refused; returns the refusal."""

    def refuse(text: str) -> PolicyError:
        with pytest.raises(PolicyError) as info:
            parse_policy(textwrap.dedent(text), source="p.yaml")
        return info.value

    return refuse


@pytest.fixture
def make_facts() -> MakeFacts:
    """Hand-made assessment + participants, as the engine would hand them to the policy."""

    def make(
        level: AlertLevel = AlertLevel.ALERT,
        *,
        risk: float = 0.7,
        tactics: dict[str, list[int]] | None = None,
        child_age: int | None = 12,
        other_age: int | None = 35,
        connected: bool | None = False,
        account: AccountFacts | None = None,
        guardians: dict[str, str] | None = None,
        latest_sender: str = "adult",
        index: int = 5,
        **extra: Any,
    ) -> PolicyInput:
        other = Participant(
            "adult",
            declared_age=other_age,
            connected=connected,
            account_age_days=extra.pop("other_account_age_days", None),
        )
        child = Participant("kid", declared_age=child_age, connected=connected)
        assessment = Assessment(
            conversation_id=extra.pop("cid", "c1"),
            message_index=index,
            risk=risk,
            level=level,
            offender="adult",
            at_risk="kid",
            tactics=tactics or {},
            first_alert_index=index if level >= AlertLevel.ALERT else None,
            harm=extra.pop("harm", None),
        )
        return PolicyInput.build(
            assessment,
            [other, child],
            account=account,
            guardians=guardians,
            latest_sender=latest_sender,
            **extra,
        )

    return make
