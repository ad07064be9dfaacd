"""The review workflow: who may see which case, claims, decisions, escalation, reports,
appeals and bulk decisions. No web code: the console and the API call this.

Every change is one conditional write (:meth:`Repository.transition`): a claim succeeds only
if nobody holds the case (or the claim expired), a decision only by the person holding it.
Every view, reveal, claim and decision is appended to the tenant's audit chain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from safeguarding.cases.bundles import KeyRing, seal
from safeguarding.cases.decisions import (
    SANCTIONS,
    Decision,
    acted_harm,
    releases,
    review_event,
)
from safeguarding.cases.evidence import bundle_content
from safeguarding.cases.roles import Permission, may
from safeguarding.cases.routing import CHILD_SAFETY, Routing
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.cases.sync import CaseSync
from safeguarding.storage.models_cases import CaseRow
from safeguarding.storage.records import ActionRecord, OutboxMessage
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.audit import AuditEntry
from safeguarding.storage.repository.cases import (
    OPEN_STATES,
    AppealRecord,
    CaseEvent,
    CaseFilters,
    CaseRecord,
    claimable,
    held_by,
    new_id,
)

NO_FILTERS = CaseFilters()
_ID = re.compile(r"[0-9a-f]{32}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
APPEALS = "appeals"  # the appeals queue: appealed cases of the queues one may see
MAX_NOTE = 4_000


class CaseError(Exception):
    status = 400


class CaseNotFound(CaseError):
    """Unknown, another tenant's, or not visible to this role: the same answer for all."""

    status = 404


class CaseDenied(CaseError):
    status = 403


class CaseConflict(CaseError):
    """Someone else holds the case, or it changed meanwhile."""

    status = 409


@dataclass(frozen=True, slots=True)
class Reviewer:
    tenant_id: str
    user_id: str
    username: str
    role: str

    def may(self, permission: Permission) -> bool:
        return may(self.role, permission)


class CaseService:
    def __init__(
        self,
        repo: Repository,
        routing: Routing,
        settings: ConsoleSettings,
        keys: KeyRing | None = None,
    ) -> None:
        self.repo = repo
        self.routing = routing
        self.settings = settings
        self._keys = keys
        self.syncer = CaseSync(repo, routing)

    @property
    def keys(self) -> KeyRing:
        """The bundle keys, read (or the key file created) the first time evidence is frozen."""
        if self._keys is None:
            self._keys = KeyRing.load(self.settings.bundle_keys, self.settings.bundle_key_file)
        return self._keys

    # --- visibility ----------------------------------------------------------------------
    def visible_queues(self, who: Reviewer) -> list[str]:
        if not who.may(Permission.REVIEW):
            return []
        cleared = who.may(Permission.RESTRICTED)
        return [q.name for q in self.routing.queues if cleared or not q.restricted]

    def case(self, who: Reviewer, case_id: str, *, audit: str | None = "case_viewed") -> CaseRecord:
        case = self.repo.get_case(who.tenant_id, case_id) if is_id(case_id) else None
        if case is None or case.queue not in self.visible_queues(who):
            raise CaseNotFound("No such case.")
        if audit:
            self.repo.append_audit(who.tenant_id, AuditEntry(audit, who.username, case.id))
        return case

    def queue(
        self,
        who: Reviewer,
        name: str,
        filters: CaseFilters = NO_FILTERS,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> list[CaseRecord]:
        visible = self.visible_queues(who)
        if not visible:
            raise CaseNotFound("No such queue.")
        self.repo_sync(who.tenant_id)
        if name == APPEALS:
            return self.repo.queue_cases(
                who.tenant_id,
                visible,
                states=("appealed",),
                filters=filters,
                limit=limit,
                offset=offset,
            )
        if name not in visible:
            raise CaseNotFound("No such queue.")
        return self.repo.queue_cases(
            who.tenant_id,
            [name],
            states=("open", "claimed"),
            filters=filters,
            limit=limit,
            offset=offset,
        )

    def counts(self, who: Reviewer) -> dict[str, int]:
        self.repo_sync(who.tenant_id)
        visible = set(self.visible_queues(who))
        counts = self.repo.queue_counts(who.tenant_id)
        out = {q: sum(v for s, v in counts.get(q, {}).items() if s != "appealed") for q in visible}
        out[APPEALS] = sum(counts.get(q, {}).get("appealed", 0) for q in visible)
        return out

    def repo_sync(self, tenant_id: str) -> int:
        return self.syncer.sync(tenant_id)

    # --- claims --------------------------------------------------------------------------
    def claim(self, who: Reviewer, case_id: str) -> CaseRecord:
        case = self.case(who, case_id, audit=None)
        now = datetime.now(UTC)
        state = "claimed" if case.state == "open" else case.state
        if case.state not in OPEN_STATES:
            raise CaseConflict("This case is not open.")
        changed = self._transition(
            who,
            [case],
            where=[CaseRow.state == case.state, claimable(now) | held_by(who.user_id, now)],
            values={
                "state": state,
                "claimed_by": who.user_id,
                "claim_expires_at": now + timedelta(minutes=self.settings.claim_minutes),
            },
            event=CaseEvent("claim", who.user_id, at=now),
            action="case_claimed",
        )
        if not changed:
            raise CaseConflict("Someone else is reviewing this case.")
        return self.case(who, case_id, audit=None)

    def release(self, who: Reviewer, case_id: str) -> None:
        case = self.case(who, case_id, audit=None)
        now = datetime.now(UTC)
        self._transition(
            who,
            [case],
            where=[CaseRow.claimed_by == who.user_id],
            values={
                "state": "open" if case.state == "claimed" else case.state,
                "claimed_by": None,
                "claim_expires_at": None,
            },
            event=CaseEvent("release", who.user_id, at=now),
            action="case_released",
        )

    def next_case(self, who: Reviewer, queue: str) -> CaseRecord | None:
        """Claim the most urgent unclaimed case of ``queue`` (or of the appeals queue)."""
        visible = self.visible_queues(who)
        if not visible or (queue != APPEALS and queue not in visible):
            raise CaseNotFound("No such queue.")
        self.repo_sync(who.tenant_id)
        for _ in range(5):  # another reviewer may take the first candidates meanwhile
            now = datetime.now(UTC)
            candidates = self.repo.queue_cases(
                who.tenant_id,
                visible if queue == APPEALS else [queue],
                states=("appealed",) if queue == APPEALS else ("open", "claimed"),
                unclaimed_at=now,
                limit=5,
            )
            if queue == APPEALS:
                candidates = [c for c in candidates if c.decided_by != who.user_id]
            if not candidates:
                return None
            for candidate in candidates:
                try:
                    return self.claim(who, candidate.id)
                except CaseConflict:
                    continue
        return None

    # --- decisions -----------------------------------------------------------------------
    def decide(
        self,
        who: Reviewer,
        case_id: str,
        decision: str,
        note: str,
        sanctions: Sequence[str] = (),
        *,
        bulk: bool = False,
    ) -> CaseRecord:
        note = _note(note)
        try:
            kind = Decision(decision)
        except ValueError:
            raise CaseError("Unknown decision.") from None
        case = self.case(who, case_id, audit=None)
        if case.state == "appealed":
            raise CaseConflict("This case is under appeal; decide the appeal.")
        if kind is Decision.REPORT and not who.may(Permission.REPORT):
            raise CaseDenied("Only child-safety specialists and leads prepare reports.")
        if kind is Decision.CONFIRM:
            sanctions = [s for s in dict.fromkeys(sanctions)]
            if not sanctions or any(s not in SANCTIONS for s in sanctions):
                raise CaseError("Choose at least one action: warn, restrict or suspend.")
        now = datetime.now(UTC)
        effects: list[tuple[ActionRecord, OutboxMessage]] = []
        values: dict[str, Any] = {"claimed_by": None, "claim_expires_at": None, "updated_at": now}
        if kind is Decision.NO_VIOLATION:
            effects = releases(case, self._prior_actions(case), decision, now)
            values |= _decided(who, kind, now, label="no_violation")
        elif kind is Decision.CONFIRM:
            harm = acted_harm(self._prior_actions(case))
            effects = [review_event(s, case, decision, now, harm=harm) for s in sanctions]
            values |= _decided(who, kind, now, label="violation")
        elif kind is Decision.ESCALATE:
            values |= {"state": "open", "queue": CHILD_SAFETY}
        else:
            values |= _decided(who, kind, now, label="violation") | {"state": "reported"}
        # Bulk decisions (leads) need no claim, only that nobody else holds the case.
        holder = claimable(now) | held_by(who.user_id, now) if bulk else held_by(who.user_id, now)
        changed = self._transition(
            who,
            [case],
            where=[CaseRow.state.in_(["open", "claimed"]), holder],
            values=values,
            event=CaseEvent(
                "decision",
                who.user_id,
                decision,
                note,
                {"actions": [a.action_type for a, _ in effects], "bulk": bulk},
                now,
            ),
            action="case_decided",
            detail={"decision": decision, "actions": [a.action_type for a, _ in effects]},
            effects=effects,
        )
        if not changed:
            raise CaseConflict("Claim the case before deciding it (or someone else holds it).")
        if kind is Decision.REPORT:
            self.freeze(who, case)
        return self._reread(who, case_id)

    def bulk(
        self,
        who: Reviewer,
        case_ids: Sequence[str],
        decision: str,
        note: str,
        sanctions: Sequence[str] = (),
    ) -> tuple[list[str], list[str]]:
        """Leads only. Returns (decided, skipped) case ids; each case is its own change."""
        if not who.may(Permission.BULK):
            raise CaseDenied("Bulk decisions are for leads.")
        if decision == Decision.REPORT:
            raise CaseError("Reports are prepared one case at a time.")
        done, skipped = [], []
        for case_id in dict.fromkeys(case_ids):
            try:
                self.decide(who, case_id, decision, note, sanctions, bulk=True)
                done.append(case_id)
            except (CaseConflict, CaseNotFound):
                skipped.append(case_id)
        return done, skipped

    def close(self, who: Reviewer, case_id: str, note: str) -> None:
        note = _note(note)
        case = self.case(who, case_id, audit=None)
        if case.state not in ("decided", "reported"):
            raise CaseConflict("Only a decided or reported case can be closed.")
        if case.decided_by != who.user_id and not who.may(Permission.BULK):
            raise CaseDenied("Only the decider or a lead closes a case.")
        now = datetime.now(UTC)
        if not self._transition(
            who,
            [case],
            where=[CaseRow.state.in_(["decided", "reported"])],
            values={"state": "closed", "updated_at": now},
            event=CaseEvent("close", who.user_id, None, note, {}, now),
            action="case_closed",
        ):
            raise CaseConflict("Only a decided or reported case can be closed.")

    # --- appeals -------------------------------------------------------------------------
    def receive_appeal(
        self, tenant_id: str, case_id: str, external_id: str, reason: str | None
    ) -> AppealRecord:
        """An appeal from the platform (API); the case goes to the appeals queue."""
        if not is_id(case_id):
            raise CaseNotFound("No decided case with this id.")
        clean_text(external_id, "appeal id")
        clean_text(reason or "", "reason")
        appeal = self.repo.add_appeal(
            tenant_id,
            case_id,
            external_id,
            reason,
            now=datetime.now(UTC),
            audit=AuditEntry("appeal_received", "api", case_id, {"appeal": external_id}),
        )
        if appeal is None:
            raise CaseNotFound("No decided case with this id.")
        if appeal.case_id != case_id:
            raise CaseConflict("This appeal id is already used for another case.")
        return appeal

    def decide_appeal(self, who: Reviewer, case_id: str, outcome: str, note: str) -> CaseRecord:
        """``upheld`` closes the case; ``overturned`` undoes the decision: sanctions are lifted
        (no violation) or a no-violation decision is reopened for a fresh review."""
        note = _note(note)
        if outcome not in ("upheld", "overturned"):
            raise CaseError("An appeal is upheld or overturned.")
        case = self.case(who, case_id, audit=None)
        appeal = next(
            (a for a in self.repo.appeals_for(who.tenant_id, case_id) if a.state == "open"), None
        )
        if case.state != "appealed" or appeal is None:
            raise CaseConflict("This case has no open appeal.")
        if who.user_id in (appeal.original_decider, case.decided_by):
            raise CaseDenied("An appeal is decided by someone other than the original decider.")
        now = datetime.now(UTC)
        effects: list[tuple[ActionRecord, OutboxMessage]] = []
        values: dict[str, Any] = {"claimed_by": None, "claim_expires_at": None, "updated_at": now}
        if outcome == "upheld":
            values["state"] = "closed"
        elif case.label == "violation":
            effects = releases(
                case, self._prior_actions(case), "appeal_overturned", now, reviewed=True
            )
            values |= {
                "state": "closed",
                "label": "no_violation",
                "decision": Decision.NO_VIOLATION,
            }
        else:
            values |= {"state": "open", "label": None, "decision": None, "decided_by": None}
        notice = {
            "event_id": new_id(),
            "type": "case.appeal_decided",
            "case_id": case.id,
            "appeal_id": appeal.external_id,
            "outcome": outcome,
            "created_at": now.isoformat(),
        }
        key = case.subject if case.kind == "conversation" else f"account:{case.subject}"
        changed = self._transition(
            who,
            [case],
            where=[CaseRow.state == "appealed", held_by(who.user_id, now)],
            values=values,
            event=CaseEvent(
                "appeal_decision", who.user_id, outcome, note, {"appeal": appeal.id}, now
            ),
            action="appeal_decided",
            detail={"outcome": outcome, "appeal": appeal.external_id},
            effects=effects,
            outbox=[OutboxMessage(key, "case.appeal_decided", notice)],
            appeal=(
                appeal.id,
                {
                    "state": "decided",
                    "decided_by": who.user_id,
                    "outcome": outcome,
                    "decided_at": now,
                },
            ),
        )
        if not changed:
            raise CaseConflict("Claim the appeal before deciding it.")
        return self._reread(who, case_id)

    # --- evidence ------------------------------------------------------------------------
    def freeze(self, who: Reviewer, case: CaseRecord) -> str:
        """Freeze the case's evidence as an encrypted bundle; its conversation keeps its text."""
        bundle_id = new_id()
        content = bundle_content(self.repo, case, frozen_by=who.username)
        record = seal(self.keys, who.tenant_id, bundle_id, case.id, content)
        self.repo.store_bundle(
            record,
            conversation_id=case.subject if case.kind == "conversation" else None,
            audit=AuditEntry(
                "bundle_frozen",
                who.username,
                case.id,
                {"bundle": bundle_id, "sha256": record.content_sha256},
            ),
        )
        return bundle_id

    def reveal(self, who: Reviewer, case_id: str, item: str) -> CaseRecord:
        """Reveal one blurred media item; logged before it is shown."""
        case = self.case(who, case_id, audit=None)
        if not re.fullmatch(r"[0-9]{1,6}-[0-9]{1,3}", item):
            raise CaseError("No such media item.")
        self.repo.append_audit(
            who.tenant_id, AuditEntry("media_revealed", who.username, case.id, {"item": item})
        )
        return case

    # --- internals -----------------------------------------------------------------------
    def _reread(self, who: Reviewer, case_id: str) -> CaseRecord:
        """The case after a change this person made (it may have left their queues)."""
        case = self.repo.get_case(who.tenant_id, case_id)
        assert case is not None
        return case

    def _prior_actions(self, case: CaseRecord) -> list[ActionRecord]:
        if case.kind == "conversation":
            return self.repo.actions(case.tenant_id, conversation_id=case.subject, limit=500)
        return self.repo.actions(case.tenant_id, account_id=case.subject, limit=500)

    def _transition(
        self,
        who: Reviewer,
        cases: Sequence[CaseRecord],
        *,
        where: Sequence[ColumnElement[bool]],
        values: dict[str, Any],
        event: CaseEvent,
        action: str,
        detail: dict[str, Any] | None = None,
        effects: Sequence[tuple[ActionRecord, OutboxMessage]] = (),
        outbox: Sequence[OutboxMessage] = (),
        appeal: tuple[str, dict[str, Any]] | None = None,
    ) -> bool:
        values.setdefault("updated_at", event.at)
        tenant = self.repo.cached_tenant(who.tenant_id)
        # Like the engine's actions: recorded always, sent only where a webhook is configured.
        webhooks = [o for _, o in effects] + list(outbox) if tenant and tenant.webhook_url else []
        changed = self.repo.transition(
            who.tenant_id,
            [c.id for c in cases],
            where=where,
            values=values,
            event=event,
            audit=[AuditEntry(action, who.username, c.id, detail or {}) for c in cases],
            actions=[a for a, _ in effects],
            outbox=webhooks,
            appeal=appeal,
        )
        return bool(changed)


def is_id(value: str) -> bool:
    """Case, bundle and appeal ids are 32 hex digits; anything else is looked up nowhere."""
    return bool(_ID.fullmatch(value))


def clean_text(value: str, what: str) -> str:
    """Free text from a person or platform: control characters other than newlines and tabs
    are refused (PostgreSQL cannot store NUL, and none belongs in a note)."""
    if _CONTROL.search(value):
        raise CaseError(f"The {what} contains control characters.")
    return value


def _note(note: str) -> str:
    note = clean_text((note or "").strip(), "note")
    if not note:
        raise CaseError("A decision needs a note.")
    if len(note) > MAX_NOTE:
        raise CaseError(f"A note has at most {MAX_NOTE} characters.")
    return note


def _decided(who: Reviewer, kind: Decision, now: datetime, *, label: str) -> dict[str, Any]:
    return {
        "state": "decided",
        "decision": kind.value,
        "decided_by": who.user_id,
        "decided_at": now,
        "label": label,
    }
