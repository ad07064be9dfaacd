"""Automatic quarantine of a hash that suddenly matches far more content than usual.

A bank hash that starts matching everything (a mis-hashed entry, a low-information image, a
meme that collides) would flood moderators and, worse, file false reports. HMA users asked for
this guard. Each hash's matches are counted per time window; when the current window holds at
least ``min_matches`` and more than ``factor`` times the hash's average over the previous
``baseline_windows`` windows, the hash is quarantined: not matched again until a person
releases it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True, frozen=True)
class QuarantinePolicy:
    window_s: float = 3600.0
    min_matches: int = 50
    factor: float = 10.0
    baseline_windows: int = 24
    enabled: bool = True


@dataclass(slots=True, frozen=True)
class QuarantineDecision:
    entry_id: int
    matches_in_window: int
    baseline_per_window: float
    window_s: float

    @property
    def reason(self) -> str:
        return (
            f"{self.matches_in_window} matches in {self.window_s:.0f}s, usual rate "
            f"{self.baseline_per_window:.2f} per window"
        )


@dataclass(slots=True)
class _History:
    windows: deque[tuple[int, int]] = field(default_factory=deque)  # (window number, count)


class MatchRateMonitor:
    """Counts matches per hash per window and says when one should be quarantined."""

    def __init__(self, policy: QuarantinePolicy | None = None) -> None:
        self.policy = policy or QuarantinePolicy()
        self._history: dict[int, _History] = {}

    def observe(
        self, entry_id: int, at: float, *, decide: bool = True
    ) -> QuarantineDecision | None:
        """Count one match of ``entry_id`` at unix time ``at``; a decision if it is flooding."""
        policy = self.policy
        window = int(at // policy.window_s)
        history = self._history.setdefault(entry_id, _History())
        windows = history.windows
        if windows and windows[-1][0] == window:
            windows[-1] = (window, windows[-1][1] + 1)
        elif (
            windows and window < windows[-1][0]
        ):  # late (out-of-order) match: count it where it fell
            for i, (number, count) in enumerate(windows):
                if number == window:
                    windows[i] = (number, count + 1)
                    break
            return None
        else:
            windows.append((window, 1))
        while windows and windows[0][0] < window - policy.baseline_windows:
            windows.popleft()
        if not (decide and policy.enabled):
            return None
        current = windows[-1][1]
        previous = sum(count for number, count in windows if number < window)
        baseline = previous / policy.baseline_windows
        if current >= policy.min_matches and current > policy.factor * max(baseline, 1.0):
            return QuarantineDecision(entry_id, current, baseline, policy.window_s)
        return None

    def forget(self, entry_id: int) -> None:
        """Start counting afresh, e.g. after a person released the hash from quarantine."""
        self._history.pop(entry_id, None)
