"""Automatic quarantine of a hash that suddenly matches far more content than usual.

A bank hash that starts matching everything (a mis-hashed entry, a low-information image, a
meme that collides) would flood moderators and, worse, file false reports. HMA users asked for
this guard. Each hash's matches are counted per time window; when the current window holds at
least ``min_matches`` and more than ``factor`` times the hash's average over the previous
``baseline_windows`` windows, the hash is quarantined: not matched again until a person
releases it. The counters live in the service database (the store's ``count_match``), so every
process of a deployment counts together and a restart keeps the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def decide(
    entry_id: int, window_index: int, counts: dict[int, int], policy: QuarantinePolicy
) -> QuarantineDecision | None:
    """Whether ``entry_id`` floods: its matches in ``window_index`` (``counts`` by window, the
    store's counters that every process shares) against its usual rate before it."""
    if not policy.enabled:
        return None
    current = counts.get(window_index, 0)
    previous = sum(
        n for w, n in counts.items() if window_index - policy.baseline_windows <= w < window_index
    )
    baseline = previous / policy.baseline_windows
    if current >= policy.min_matches and current > policy.factor * max(baseline, 1.0):
        return QuarantineDecision(entry_id, current, baseline, policy.window_s)
    return None
