"""Response models: they document the API in OpenAPI (/docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Level = Literal["none", "watch", "alert", "urgent"]


class EvidenceOut(BaseModel):
    kind: str
    message_index: int
    sender: str | None
    score: float
    span: list[int] | None
    excerpt: str | None
    source: str


class AssessmentOut(BaseModel):
    conversation_id: str
    message_index: int
    risk: float
    level: Level
    harm: str | None = None  # grooming | sextortion | criminal_exploitation, once named
    offender: str | None
    at_risk: str | None
    first_alert_index: int | None
    tactics: dict[str, list[int]]
    reasons: list[str]
    evidence: list[EvidenceOut]


class EventResultOut(BaseModel):
    id: str
    type: str
    status: Literal["created", "duplicate", "accepted"]
    conversation_id: str | None = None
    message_index: int | None = None
    risk: float | None = None
    level: Level | None = None


class IngestOut(BaseModel):
    created: int
    duplicates: int
    accepted: int | None = Field(
        default=None,
        description="With a queue (`serve --queue`): events stored in the queue, to be "
        "processed by the workers (answered 202, without assessments).",
    )
    results: list[EventResultOut]
    assessments: list[AssessmentOut]


class ConversationOut(BaseModel):
    conversation_id: str
    message_count: int
    updated_at: datetime
    evidence_hold: bool
    assessment: AssessmentOut | None


class AccountOut(BaseModel):
    account_id: str
    conversations: int
    alerted_conversations: int
    risk_as_offender: float
    level_as_offender: Level
    conversations_at_risk: int
    risk_at_risk: float
    reports_received: int
    reports_made: int
    facts: dict[str, Any] | None


PublicId = Field(description="opaque id (a UUIDv7 string); reveals nothing of other tenants")


class AlertOut(BaseModel):
    id: str = PublicId
    conversation_id: str
    level: Level
    risk: float
    message_index: int
    offender: str | None
    at_risk: str | None
    tactics: list[str]
    raised_at: datetime
    status: str
    harm: Literal["grooming", "sextortion", "criminal_exploitation"] | None = None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class ReportOut(BaseModel):
    id: str = PublicId
    event_id: str
    reporter_id: str
    reported_id: str
    conversation_id: str | None
    reason: str
    comment: str | None
    ts: datetime


class ActionOut(BaseModel):
    id: str = PublicId
    type: str = Field(description="the action, e.g. `safety_prompt`, or `account_alert`")
    conversation_id: str | None
    account_id: str | None = Field(description="the account acted on or suspected")
    rule_ids: list[str]
    shadow: bool = Field(description="decided in shadow mode: recorded, not emitted")
    created_at: datetime
    event: dict[str, Any] = Field(description="the full action event, as sent to the webhook")


class ActionPage(BaseModel):
    items: list[ActionOut]
    next_cursor: str | None


class PolicyOut(BaseModel):
    """The policy in force for the caller's tenant."""

    policy: str
    version: str = Field(description="the version the policy file declares")
    hash: str
    label: str
    shadow: bool
    follows_service: bool = Field(description="the operator's service-wide policy applies")
    tenant_version: int | None = Field(description="the tenant's stored version in force")
    service_version: int | None = Field(description="the service-wide stored version")


class PolicyDocumentOut(PolicyOut):
    document: dict[str, Any] = Field(description="the policy as validated (rules, settings)")


class PolicyVersionOut(BaseModel):
    version: int
    follows_service: bool = Field(description="this version went back to the service policy")
    policy: str | None
    declared_version: str | None
    hash: str | None
    source: str
    created_by: str = Field(description="the API key id that set it")
    created_at: datetime
    text: str | None = Field(default=None, description="the YAML (one version only)")


class PolicyVersionPage(BaseModel):
    items: list[PolicyVersionOut]
    next_cursor: str | None
