"""Keep serving the last good policy when a new one is refused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from safeguarding.policy.evaluator import Decision, evaluate
from safeguarding.policy.facts import PolicyInput
from safeguarding.policy.loader import PolicyError, load_default_policy, load_policy, parse_policy
from safeguarding.policy.schema import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    active: str  # label of the policy in force after the attempt
    error: PolicyError | None = None


class PolicyHolder:
    """Thread-safe holder of the policy in force.

    ``reload`` swaps in a new policy only if it validates; otherwise the previous one stays
    active and the refusal (with lines and reasons) is returned and logged. ``shadow`` set here
    overrides the file's own flag, so an operator can trial any policy without acting.
    """

    def __init__(self, policy: Policy | None = None, *, shadow: bool | None = None):
        self._policy = policy or load_default_policy()
        self._shadow = shadow
        self._lock = threading.Lock()
        self.last_error: PolicyError | None = None

    @property
    def policy(self) -> Policy:
        with self._lock:
            return self._policy

    @property
    def shadow(self) -> bool:
        override = self._shadow
        return self.policy.shadow if override is None else override

    def set_shadow(self, shadow: bool | None) -> None:
        self._shadow = shadow

    def reload(self, path: str | Path) -> ReloadResult:
        return self._swap(lambda: load_policy(path))

    def reload_text(self, text: str, source: str = "<policy>") -> ReloadResult:
        return self._swap(lambda: parse_policy(text, source))

    def _swap(self, load: Callable[[], Policy]) -> ReloadResult:
        try:
            new = load()
        except PolicyError as exc:
            self.last_error = exc
            log.error("policy refused, keeping %s:\n%s", self.policy.label, exc)
            return ReloadResult(ok=False, active=self.policy.label, error=exc)
        with self._lock:
            self._policy = new
        self.last_error = None
        log.info("policy %s now active", new.label)
        return ReloadResult(ok=True, active=new.label)

    def decide(self, facts: PolicyInput) -> Decision:
        return evaluate(self.policy, facts, shadow=self.shadow)
