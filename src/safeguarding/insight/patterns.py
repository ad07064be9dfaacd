"""The investigators' patterns, computed on the service database for one tenant.

- **Contact bursts**: accounts that opened conversations with at least ``min_children``
  distinct children within ``window_hours``.
- **Repeated openers**: accounts whose near-duplicate opening messages (the same MinHash
  band, see ``signals.fingerprints``) reached at least ``opener_min_children`` children.
- **Links**: accounts that sent the same phone number, handle, e-mail, URL or media hash, or
  the same opener script: the same person behind several accounts.
- **Repeat offenders**: a suspended account that opens conversations again, or an account
  linked to it that acts (opens a conversation, shares the linking detail, is created) after
  the suspension: ban evasion.

SQL (``Repository`` pattern queries, each filtered on the tenant) narrows the rows; the
sliding windows and pair-building are finished here. Nothing here reads message text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.patterns import OpenerFact

Progress = Callable[[str], None]


@dataclass(slots=True, frozen=True)
class PatternSettings:
    window_hours: float = 24.0
    min_children: int = 5  # distinct children within the window for a contact burst
    opener_min_children: int = 3  # distinct children one near-duplicate opener reached
    max_sharing: int = 20  # an identifier shared by more accounts is public, not a link

    def __post_init__(self) -> None:
        if not 0 < self.window_hours <= 24 * 366:
            raise ValueError("window_hours must be in (0, 8784]")
        for name in ("min_children", "opener_min_children"):
            if not 1 <= getattr(self, name) <= 10_000:
                raise ValueError(f"{name} must be in [1, 10000]")
        if not 2 <= self.max_sharing <= 1000:
            raise ValueError("max_sharing must be in [2, 1000]")


@dataclass(slots=True, frozen=True)
class Burst:
    account: str
    children: int  # most distinct children contacted within one window
    start: datetime
    end: datetime


@dataclass(slots=True, frozen=True)
class RepeatedOpener:
    account: str
    children: int  # distinct children one near-duplicate opener reached


@dataclass(slots=True)
class Link:
    """Two accounts and what they share (kind -> how many identifiers of that kind)."""

    a: str
    b: str
    kinds: Counter[str] = field(default_factory=Counter)
    since: datetime | None = None  # when the later of the two first used a shared detail


@dataclass(slots=True, frozen=True)
class RepeatOffender:
    suspended: str  # the suspended account
    account: str  # the account acting again: the same one, or one linked to it
    via: str  # "same_account" or the link kinds joined by "+"
    suspended_at: datetime
    acted_at: datetime


@dataclass(slots=True)
class Patterns:
    tenant_id: str
    settings: PatternSettings
    bursts: list[Burst]
    repeated_openers: list[RepeatedOpener]
    links: list[Link]
    repeat_offenders: list[RepeatOffender]
    children: dict[str, set[str]]  # account -> children it opened conversations with
    risk: dict[str, float]  # account -> highest alert risk as the suspected offender
    suspended: dict[str, datetime]

    def accounts(self) -> set[str]:
        found = {b.account for b in self.bursts} | {r.account for r in self.repeated_openers}
        found |= {x for link in self.links for x in (link.a, link.b)}
        found |= {x for r in self.repeat_offenders for x in (r.suspended, r.account)}
        return found


def widest_burst(openers: list[OpenerFact], window: timedelta) -> tuple[int, datetime, datetime]:
    """Most distinct child recipients within any ``window`` (two pointers over time)."""
    rows = sorted((o for o in openers if o.to_child and o.recipient), key=lambda o: o.ts)
    inside: Counter[str] = Counter()
    best = (0, rows[0].ts, rows[0].ts) if rows else (0, datetime.min, datetime.min)
    lo = 0
    for row in rows:
        inside[row.recipient or ""] += 1
        while row.ts - rows[lo].ts > window:
            gone = rows[lo].recipient or ""
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            lo += 1
        if len(inside) > best[0]:
            best = (len(inside), rows[lo].ts, row.ts)
    return best


def widest_opener(openers: list[OpenerFact]) -> int:
    """Most distinct children reached by openers sharing one MinHash band."""
    reach: dict[tuple[int, int], set[str]] = defaultdict(set)
    for o in openers:
        if o.to_child and o.recipient:
            for i, band in enumerate(o.bands):
                if band is not None:
                    reach[(i, band)].add(o.recipient)
    return max((len(v) for v in reach.values()), default=0)


def find_patterns(
    repo: Repository,
    tenant_id: str,
    settings: PatternSettings | None = None,
    progress: Progress | None = None,
) -> Patterns:
    settings = settings or PatternSettings()
    step = progress or (lambda _label: None)
    step("accounts contacting many children")
    least = min(settings.min_children, settings.opener_min_children)
    candidates = repo.child_contact_counts(tenant_id, least)
    by_sender = _by_sender(repo.openers_of(tenant_id, candidates))
    window = timedelta(hours=settings.window_hours)
    bursts: list[Burst] = []
    repeated: list[RepeatedOpener] = []
    for account in sorted(by_sender):
        rows = by_sender[account]
        n, start, end = widest_burst(rows, window)
        if n >= settings.min_children:
            bursts.append(Burst(account, n, start, end))
        reach = widest_opener(rows)
        if reach >= settings.opener_min_children:
            repeated.append(RepeatedOpener(account, reach))
    bursts.sort(key=lambda b: (-b.children, b.account))
    repeated.sort(key=lambda r: (-r.children, r.account))
    step("accounts sharing contact details, media and openers")
    links = _links(repo, tenant_id, settings.max_sharing)
    step("suspensions and repeat offenders")
    suspended = repo.suspensions(tenant_id)
    involved = {b.account for b in bursts} | {r.account for r in repeated}
    involved |= {x for link in links for x in (link.a, link.b)} | set(suspended)
    missing = involved - by_sender.keys()
    by_sender.update(_by_sender(repo.openers_of(tenant_id, missing)))
    offenders = _repeat_offenders(repo, tenant_id, suspended, links, by_sender)
    step("risk and children reached")
    accounts = sorted(involved)
    children = {
        a: {o.recipient for o in by_sender.get(a, []) if o.to_child and o.recipient}
        for a in accounts
    }
    risk = repo.offender_risk(tenant_id, accounts)
    return Patterns(
        tenant_id, settings, bursts, repeated, links, offenders, children, risk, suspended
    )


def _by_sender(openers: Iterable[OpenerFact]) -> dict[str, list[OpenerFact]]:
    out: dict[str, list[OpenerFact]] = defaultdict(list)
    for o in openers:
        out[o.sender].append(o)
    return dict(out)


def _links(repo: Repository, tenant_id: str, max_sharing: int) -> list[Link]:
    pairs: dict[tuple[str, str], Link] = {}
    opener_pairs: set[tuple[str, str]] = set()
    groups = repo.shared_identifiers(tenant_id, max_sharing)
    groups += repo.shared_openers(tenant_id, max_sharing)
    for group in groups:
        members = group.accounts
        for i, (a, seen_a) in enumerate(members):
            for b, seen_b in members[i + 1 :]:
                key = (a, b) if a < b else (b, a)
                link = pairs.get(key)
                if link is None:
                    link = pairs[key] = Link(*key)
                if group.kind == "opener":  # six bands of one script count once
                    if key in opener_pairs:
                        continue
                    opener_pairs.add(key)
                link.kinds[group.kind] += 1
                since = max(seen_a, seen_b)
                link.since = since if link.since is None else min(link.since, since)
    return [pairs[k] for k in sorted(pairs)]


def _repeat_offenders(
    repo: Repository,
    tenant_id: str,
    suspended: dict[str, datetime],
    links: list[Link],
    by_sender: dict[str, list[OpenerFact]],
) -> list[RepeatOffender]:
    out: list[RepeatOffender] = []
    for account, at in sorted(suspended.items()):
        later = [o.ts for o in by_sender.get(account, []) if o.ts > at]
        if later:
            out.append(RepeatOffender(account, account, "same_account", at, min(later)))
    linked = [
        (s, other, link)
        for link in links
        for s, other in ((link.a, link.b), (link.b, link.a))
        if s in suspended
    ]
    created = repo.account_created(tenant_id, sorted({other for _, other, _ in linked}))
    for s, other, link in linked:
        at = suspended[s]
        evidence = [o.ts for o in by_sender.get(other, []) if o.ts > at]
        if link.since is not None and link.since > at:
            evidence.append(link.since)
        if other in created and created[other] > at:
            evidence.append(created[other])
        if evidence:
            via = "+".join(sorted(link.kinds))
            out.append(RepeatOffender(s, other, via, at, min(evidence)))
    return out
