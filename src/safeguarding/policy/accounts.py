"""Account-level signals: risk that only shows across conversations.

One conversation can look harmless while the account behind it is working through many
children: the same opener pasted to several of them, the same phone number or handle handed
out, a burst of new contacts with minors. ``AccountTracker`` keeps a small, bounded summary
per account (time windows, capped lists, least-recently-seen accounts evicted) and turns it
into ``AccountFacts`` for the policy and ``AccountAlert``s when a threshold is first crossed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.policy.ages import AgeBand
from safeguarding.policy.facts import AccountFacts
from safeguarding.policy.registry import AccountSignal


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    window: timedelta = timedelta(hours=72)
    many_children: int = 5  # distinct minors newly contacted by an adult within the window
    repeated_opener_children: int = 3  # distinct minors sent a near-identical opener
    opener_similarity: float = 0.6  # Jaccard of character 4-gram sets
    opener_min_chars: int = 12  # "hi" to three children is not a pattern
    contact_detail_children: int = 2  # distinct minors given the same phone / handle
    count_unknown_age_as_child: bool = False
    max_accounts: int = 100_000
    max_contacts_per_account: int = 256
    max_openers_per_account: int = 64
    max_details_per_account: int = 32


@dataclass(frozen=True, slots=True)
class AccountAlert:
    account_id: str
    signal: AccountSignal
    value: int
    at: datetime
    detail: str


@dataclass(slots=True)
class _Account:
    contacts: deque[tuple[datetime, str]]
    openers: deque[tuple[str, frozenset[str]]]
    details: OrderedDict[str, set[str]] = field(default_factory=OrderedDict)
    reports: int = 0
    prior_actions: int = 0
    adult: bool = False
    adult_language: int = 0  # messages whose language says adult (a job, a spouse)
    opener_group: int = 0  # cached: recomputed only when an opener is added
    raised: set[AccountSignal] = field(default_factory=set)
    latest: datetime | None = None


class AccountTracker:
    def __init__(self, settings: TrackerSettings | None = None):
        self.settings = settings or TrackerSettings()
        self._accounts: OrderedDict[str, _Account] = OrderedDict()

    # --- feeding -------------------------------------------------------------------------

    def observe_contact(
        self,
        sender: str,
        recipient: str,
        *,
        sender_band: AgeBand,
        recipient_band: AgeBand,
        adult_sounding: bool = False,
        opener: str | None = None,
        ts: datetime | None = None,
    ) -> list[AccountAlert]:
        """``sender`` started talking to ``recipient``; ``opener`` is its first message."""
        ts = _utc(ts)
        acc = self._get(sender, ts)
        acc.adult = acc.adult or sender_band is AgeBand.ADULT or adult_sounding
        if not self._is_child(recipient_band):
            return self._check(sender, acc, ts)
        if not any(child == recipient for _, child in acc.contacts):
            acc.contacts.append((ts, recipient))
        if opener is not None:
            shingles = _shingles(opener)
            if len(_normalise(opener)) >= self.settings.opener_min_chars and not any(
                child == recipient for child, _ in acc.openers
            ):
                acc.openers.append((recipient, shingles))
                acc.opener_group = _largest_similar_group(
                    acc.openers, self.settings.opener_similarity
                )
        return self._check(sender, acc, ts)

    def observe_contact_details(
        self,
        sender: str,
        recipient: str,
        details: Iterable[str],
        *,
        recipient_band: AgeBand,
        ts: datetime | None = None,
    ) -> list[AccountAlert]:
        """``sender`` gave ``recipient`` these phone numbers, handles or addresses."""
        ts = _utc(ts)
        acc = self._get(sender, ts)
        if self._is_child(recipient_band):
            for raw in details:
                key = _detail_key(raw)
                if not key:
                    continue
                children = acc.details.setdefault(key, set())
                acc.details.move_to_end(key)
                if len(children) < self.settings.max_contacts_per_account:
                    children.add(recipient)
                while len(acc.details) > self.settings.max_details_per_account:
                    acc.details.popitem(last=False)
        return self._check(sender, acc, ts)

    def mark_adult_sounding(self, account: str, ts: datetime | None = None) -> list[AccountAlert]:
        """The account's language says adult (e.g. an ``adult_indicator`` signal)."""
        ts = _utc(ts)
        acc = self._get(account, ts)
        acc.adult = True
        acc.adult_language += 1
        return self._check(account, acc, ts)

    def add_report(self, account: str, ts: datetime | None = None) -> list[AccountAlert]:
        ts = _utc(ts)
        acc = self._get(account, ts)
        acc.reports += 1
        return self._check(account, acc, ts)

    def add_prior_action(self, account: str, ts: datetime | None = None) -> list[AccountAlert]:
        ts = _utc(ts)
        acc = self._get(account, ts)
        acc.prior_actions += 1
        return self._check(account, acc, ts)

    # --- reading -------------------------------------------------------------------------

    def measures(self, account: str) -> dict[AccountSignal, int]:
        acc = self._accounts.get(account)
        if acc is None:
            return dict.fromkeys(AccountSignal, 0)
        return self._measure(acc)

    def adult_language(self, account: str) -> int:
        """How many of the account's messages said adult (:meth:`mark_adult_sounding`)."""
        acc = self._accounts.get(account)
        return acc.adult_language if acc is not None else 0

    def facts(self, account: str | None) -> AccountFacts:
        if account is None or account not in self._accounts:
            return AccountFacts()
        acc = self._accounts[account]
        return AccountFacts(
            signals=frozenset(s.value for s in self._active(acc)),
            reports=acc.reports,
            prior_actions=acc.prior_actions,
        )

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, account: object) -> bool:
        return account in self._accounts

    def forget(self, account: str) -> None:
        """Drop an account's summary (it can be restored with :meth:`restore_account`)."""
        self._accounts.pop(account, None)

    # --- persistence ---------------------------------------------------------------------

    def export_account(self, account: str) -> dict[str, Any] | None:
        """One account's summary as JSON (``None`` when it is not tracked)."""
        acc = self._accounts.get(account)
        if acc is None:
            return None
        return {
            "contacts": [[ts.isoformat(), child] for ts, child in acc.contacts],
            "openers": [[child, sorted(sh)] for child, sh in acc.openers],
            "details": [[key, sorted(children)] for key, children in acc.details.items()],
            "reports": acc.reports,
            "prior_actions": acc.prior_actions,
            "adult": acc.adult,
            "adult_language": acc.adult_language,
            "opener_group": acc.opener_group,
            "raised": sorted(s.value for s in acc.raised),
            "latest": acc.latest.isoformat() if acc.latest else None,
        }

    def restore_account(self, account: str, data: dict[str, Any]) -> None:
        """Put back what :meth:`export_account` returned, e.g. after a restart."""
        s = self.settings
        latest = data.get("latest")
        acc = _Account(
            contacts=deque(
                ((datetime.fromisoformat(ts), child) for ts, child in data.get("contacts", ())),
                maxlen=s.max_contacts_per_account,
            ),
            openers=deque(
                ((child, frozenset(sh)) for child, sh in data.get("openers", ())),
                maxlen=s.max_openers_per_account,
            ),
            details=OrderedDict((key, set(children)) for key, children in data.get("details", ())),
            reports=int(data.get("reports", 0)),
            prior_actions=int(data.get("prior_actions", 0)),
            adult=bool(data.get("adult", False)),
            adult_language=int(data.get("adult_language", 0)),
            opener_group=int(data.get("opener_group", 0)),
            raised={AccountSignal(v) for v in data.get("raised", ())},
            latest=datetime.fromisoformat(latest) if latest else None,
        )
        self._accounts[account] = acc
        self._accounts.move_to_end(account)
        while len(self._accounts) > s.max_accounts:
            self._accounts.popitem(last=False)

    # --- internals -----------------------------------------------------------------------

    def _is_child(self, band: AgeBand) -> bool:
        return band.is_minor or (
            band is AgeBand.UNKNOWN and self.settings.count_unknown_age_as_child
        )

    def _get(self, account: str, ts: datetime) -> _Account:
        acc = self._accounts.get(account)
        if acc is None:
            s = self.settings
            acc = _Account(
                contacts=deque(maxlen=s.max_contacts_per_account),
                openers=deque(maxlen=s.max_openers_per_account),
            )
            self._accounts[account] = acc
            while len(self._accounts) > s.max_accounts:
                self._accounts.popitem(last=False)
        else:
            self._accounts.move_to_end(account)
        acc.latest = max(acc.latest, ts) if acc.latest else ts
        cutoff = acc.latest - self.settings.window
        while acc.contacts and acc.contacts[0][0] < cutoff:
            acc.contacts.popleft()
        return acc

    def _measure(self, acc: _Account) -> dict[AccountSignal, int]:
        return {
            AccountSignal.MANY_CHILDREN_CONTACTED: (
                len({c for _, c in acc.contacts}) if acc.adult else 0
            ),
            AccountSignal.REPEATED_OPENERS: acc.opener_group,
            AccountSignal.CONTACT_DETAILS_SHARED_WITH_CHILDREN: max(
                (len(c) for c in acc.details.values()), default=0
            ),
            AccountSignal.REPORTED: acc.reports,
            AccountSignal.PRIOR_ACTIONS: acc.prior_actions,
        }

    def _thresholds(self) -> dict[AccountSignal, int]:
        s = self.settings
        return {
            AccountSignal.MANY_CHILDREN_CONTACTED: s.many_children,
            AccountSignal.REPEATED_OPENERS: s.repeated_opener_children,
            AccountSignal.CONTACT_DETAILS_SHARED_WITH_CHILDREN: s.contact_detail_children,
            AccountSignal.REPORTED: 1,
            AccountSignal.PRIOR_ACTIONS: 1,
        }

    def _active(self, acc: _Account) -> list[AccountSignal]:
        values = self._measure(acc)
        return [s for s, limit in self._thresholds().items() if values[s] >= limit]

    def _check(self, account: str, acc: _Account, ts: datetime) -> list[AccountAlert]:
        values = self._measure(acc)
        alerts = []
        for signal in self._active(acc):
            if signal not in acc.raised:
                acc.raised.add(signal)
                alerts.append(
                    AccountAlert(account, signal, values[signal], ts, _describe(signal, values))
                )
        return alerts


def _describe(signal: AccountSignal, values: dict[AccountSignal, int]) -> str:
    n = values[signal]
    return {
        AccountSignal.MANY_CHILDREN_CONTACTED: f"adult account contacted {n} minors in the window",
        AccountSignal.REPEATED_OPENERS: f"near-identical first message sent to {n} minors",
        AccountSignal.CONTACT_DETAILS_SHARED_WITH_CHILDREN: f"a contact detail sent to {n} minors",
        AccountSignal.REPORTED: f"{n} user report(s)",
        AccountSignal.PRIOR_ACTIONS: f"{n} prior action(s) against the account",
    }[signal]


def _utc(ts: datetime | None) -> datetime:
    if ts is None:
        return datetime.now(UTC)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


_NON_WORD = re.compile(r"[^\w]+")


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def _shingles(text: str, size: int = 4) -> frozenset[str]:
    norm = _normalise(text)
    if len(norm) <= size:
        return frozenset({norm})
    return frozenset(norm[i : i + size] for i in range(len(norm) - size + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _largest_similar_group(openers: Iterable[tuple[str, frozenset[str]]], limit: float) -> int:
    """Most distinct children whose openers are near-identical to one same opener."""
    items = list(openers)
    best = 0
    for _, anchor in items:
        children = {child for child, sh in items if _jaccard(anchor, sh) >= limit}
        best = max(best, len(children))
    return best


_DIGITS = re.compile(r"\d")


def _detail_key(raw: str) -> str:
    """Phone numbers compare by their last 9 digits; handles and emails case-insensitively."""
    digits = "".join(_DIGITS.findall(raw))
    if len(digits) >= 7 and len(digits) >= len(raw.replace(" ", "")) * 0.6:
        return "tel:" + digits[-9:]
    return _normalise(raw).replace(" ", "").lstrip("@")
