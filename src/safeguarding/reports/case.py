"""What a report is about: one conversation (or a case's conversation) as the authorities'
documents need it, read once from storage.

:func:`case_from_conversation` starts a report from a tenant and a conversation id, the way
the CLI does until the console's cases land; the console calls :func:`prepare_case` with its
case. Identity details that the engine never stores (IP capture events, device ids, screen
and display names, prior CyberTip ids) come from the platform with the report request as an
:class:`Identity` per account: the service keeps no IP addresses of its users.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguarding.storage import Repository
from safeguarding.storage.records import AccountRecord, AuthorityReportRecord

HARMS = ("grooming", "sextortion", "criminal_exploitation")
SEVERE_TACTICS = frozenset({"meeting", "threat"})


class CaseNotFound(LookupError):
    """No such conversation (or case) for this tenant."""


@dataclass(frozen=True, slots=True)
class IpEvent:
    ip: str
    event: str | None = None  # "login", "registration", "message"
    at: datetime | None = None
    port: int | None = None
    possible_proxy: bool | None = None


@dataclass(frozen=True, slots=True)
class DeviceId:
    kind: str  # "IDFA", "Android ID", "IMEI", a platform's own name
    value: str
    event: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """What the platform holds about one account and sends with the report request."""

    screen_name: str | None = None
    display_names: tuple[str, ...] = ()
    profile_url: str | None = None
    email: str | None = None
    ip_events: tuple[IpEvent, ...] = ()
    device_ids: tuple[DeviceId, ...] = ()
    prior_cybertips: tuple[str, ...] = ()
    account_disabled: str | None = None  # "temporarily" | "permanently"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        """From the request's JSON (``ip_events``/``device_ids`` as lists of objects)."""
        return cls(
            screen_name=data.get("screen_name"),
            display_names=tuple(data.get("display_names") or ()),
            profile_url=data.get("profile_url"),
            email=data.get("email"),
            ip_events=tuple(
                IpEvent(
                    e["ip"],
                    e.get("event"),
                    _dt(e.get("at")),
                    e.get("port"),
                    e.get("possible_proxy"),
                )
                for e in data.get("ip_events") or ()
            ),
            device_ids=tuple(
                DeviceId(d["type"], d["value"], d.get("event"), _dt(d.get("at")))
                for d in data.get("device_ids") or ()
            ),
            prior_cybertips=tuple(str(x) for x in data.get("prior_cybertips") or ()),
            account_disabled=data.get("account_disabled"),
        )

    def fields_present(self) -> list[str]:
        """Which identity fields were given (for the record: names, never values)."""
        return [
            name
            for name in (
                "screen_name",
                "display_names",
                "profile_url",
                "email",
                "ip_events",
                "device_ids",
                "prior_cybertips",
                "account_disabled",
            )
            if getattr(self, name)
        ]


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class CaseMessage:
    index: int
    message_id: str
    sender: str
    ts: datetime
    text: str | None  # None once purged (a held conversation keeps it)
    media: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ReportCase:
    """One conversation and what the engine concluded about it."""

    tenant_id: str
    tenant_name: str
    conversation_id: str
    harm: str
    risk: float
    level: str
    tactics: tuple[str, ...]
    offender: str | None
    at_risk: str | None
    first_alert_index: int | None
    messages: tuple[CaseMessage, ...]
    accounts: dict[str, AccountRecord]
    identities: dict[str, Identity] = field(default_factory=dict)
    case_id: str | None = None  # the console's case, when the report comes from one

    @property
    def severe(self) -> bool:
        """Meeting or threat: NCMEC's high-priority escalation, the NCA's urgent priority."""
        return bool(SEVERE_TACTICS & set(self.tactics)) or self.harm == "sextortion"

    @property
    def incident_at(self) -> datetime | None:
        """When the conversation first reached the alert level (else its first message)."""
        if not self.messages:
            return None
        index = self.first_alert_index if self.first_alert_index is not None else 0
        for m in self.messages:
            if m.index >= index:
                return m.ts
        return self.messages[-1].ts

    @property
    def media(self) -> list[tuple[CaseMessage, dict[str, Any]]]:
        return [(m, item) for m in self.messages for item in m.media]

    def age_of(self, account: str | None) -> int | None:
        record = self.accounts.get(account or "")
        if record is None:
            return None
        return record.verified_age if record.verified_age is not None else record.declared_age

    def identity(self, account: str | None) -> Identity:
        return self.identities.get(account or "", Identity())

    def transcript(self) -> bytes:
        """The conversation as a plain-text file (uploaded to NCMEC; never logged)."""
        lines = [f"Conversation {self.conversation_id} ({len(self.messages)} messages, UTC)"]
        for m in self.messages:
            text = m.text if m.text is not None else "[text removed by retention]"
            media = "".join(
                f" [{x.get('kind', 'media')} {x.get('sha256') or x.get('ref')}]" for x in m.media
            )
            lines.append(f"{m.ts.isoformat()} #{m.index} {m.sender}: {text}{media}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def transcript_digest(self) -> str:
        return hashlib.sha256(self.transcript()).hexdigest()


def harm_of(assessment: dict[str, Any]) -> str:
    """The harm an assessment is about: its own ``harm`` once the engine names it; before
    that, sextortion when a threat was made, grooming otherwise."""
    named = assessment.get("harm")
    if named in HARMS:
        return str(named)
    return "sextortion" if "threat" in (assessment.get("tactics") or {}) else "grooming"


def case_from_conversation(
    repo: Repository,
    tenant_id: str,
    conversation_id: str,
    *,
    identities: dict[str, Identity] | None = None,
    case_id: str | None = None,
) -> ReportCase:
    """Read one conversation of a tenant as a :class:`ReportCase`; :class:`CaseNotFound`
    for an id the tenant does not have (another tenant's included)."""
    tenant = repo.get_tenant(tenant_id)
    record = repo.get_conversation(tenant_id, conversation_id)
    if tenant is None or record is None:
        raise CaseNotFound(conversation_id)
    assessment = record.assessment or {}
    rows = repo.messages(tenant_id, conversation_id)
    messages = tuple(
        CaseMessage(
            r["idx"], r["message_id"], r["sender"], r["ts"], r["text"], tuple(r.get("media") or ())
        )
        for r in rows
    )
    members = repo.conversation_members(tenant_id, conversation_id) | {m.sender for m in messages}
    return ReportCase(
        tenant_id=tenant_id,
        tenant_name=tenant.name,
        conversation_id=conversation_id,
        harm=harm_of(assessment),
        risk=float(assessment.get("risk", record.risk)),
        level=str(assessment.get("level", "none")),
        tactics=tuple(sorted((assessment.get("tactics") or {}).keys())),
        offender=assessment.get("offender"),
        at_risk=assessment.get("at_risk"),
        first_alert_index=assessment.get("first_alert_index"),
        messages=messages,
        accounts=repo.get_accounts(tenant_id, members),
        identities=dict(identities or {}),
        case_id=case_id,
    )


def prepare_case(
    repo: Repository,
    tenant_id: str,
    *,
    case_id: str,
    conversation_id: str,
    identities: dict[str, Identity] | None = None,
) -> ReportCase:
    """For the console's "prepare a report" decision: the case's conversation, with the
    case id carried into the record. A report is keyed by its conversation, so a case and
    its conversation are never reported twice."""
    return case_from_conversation(
        repo, tenant_id, conversation_id, identities=identities, case_id=case_id
    )


def find_case_report(
    repo: Repository, case: ReportCase, authority: str
) -> AuthorityReportRecord | None:
    """The record of this case's conversation for ``authority``, if there is one."""
    return repo.find_authority_report(
        case.tenant_id, authority, "conversation", case.conversation_id
    )


def open_case_report(
    repo: Repository, case: ReportCase, authority: str, sent: dict[str, Any], approved_by: str
) -> tuple[AuthorityReportRecord, bool]:
    """The record of a report about to be sent (new, or the one a crashed run left), with the
    conversation put on evidence hold: retention never purges the text of a reported case."""
    record, created = repo.create_authority_report(
        case.tenant_id,
        authority=authority,
        subject_kind="conversation",
        subject_id=case.conversation_id,
        conversation_id=case.conversation_id,
        status="prepared",
        sent=sent,
        approved_by=approved_by,
        actor=approved_by,
    )
    repo.hold_evidence(case.tenant_id, case.conversation_id)
    return record, created
