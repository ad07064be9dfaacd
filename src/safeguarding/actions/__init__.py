"""Actions stage: carry out policy decisions as outbox events.

Child safety prompts with local signposting, warnings, holds, restrictions, suspensions,
prioritised escalation, hash-chained evidence snapshots and guardian notices.
"""

from safeguarding.actions.dispatcher import ActionDispatcher, DispatchResult
from safeguarding.actions.evidence import freeze_conversation, verify_snapshot
from safeguarding.actions.helplines import (
    HelplineDirectory,
    helplines_for,
    load_helplines,
    safety_prompt,
)
from safeguarding.actions.priority import ReviewPriority, review_priority
from safeguarding.actions.sinks import ActionSink, InMemorySink, NullSink

__all__ = [
    "ActionDispatcher",
    "ActionSink",
    "DispatchResult",
    "HelplineDirectory",
    "InMemorySink",
    "NullSink",
    "ReviewPriority",
    "freeze_conversation",
    "helplines_for",
    "load_helplines",
    "review_priority",
    "safety_prompt",
    "verify_snapshot",
]
