"""A structured referral to the police for a suspected criminal exploitation case.

Criminal exploitation (county lines, gang recruitment) is not a NCMEC matter: the platform
refers it to the police through its law enforcement route. The document says what was seen
and when, who the suspect and the child are as the platform knows them, what the platform
already did, and how to handle the case without tipping off the suspect. It quotes only the
evidence excerpts (the words that fired), never a whole conversation.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from safeguarding.domain import Harm
from safeguarding.reports.documents import ReportDocument

SCHEMA = "safeguarding.police-referral/1"
KIND = "police_referral"
MAX_EVIDENCE = 50
# NCMEC takes child sexual exploitation; these harms go to it, the rest to the police.
NCMEC_HARMS = frozenset({Harm.GROOMING.value, Harm.SEXTORTION.value})

INDICATORS: dict[str, str] = {
    "money_offer": "offers of easy money, clothes, phones or game currency for 'work'",
    "courier_task": "asked to carry, deliver or hold something, or to travel or stay away",
    "burner_phone": "given or told to use a separate phone or number",
    "belonging": "offered belonging, status or protection ('you're family now')",
    "debt": "a debt created or claimed to control the child",
    "threat": "threats to the child or their family",
    "isolation_secrecy": "told to keep it from parents, school or police",
    "platform_move": "moved to a private or encrypted app",
    "risk_assessment": "asked whether parents check on them",
    "gifts": "gifts",
    "meeting": "asked to meet",
    "image_request": "asked for pictures",
    "age_deception": "signs of a false age",
    "rapport": "rapport building",
    "compliments": "flattery",
    "personal_questions": "personal questions",
    "emotional_dependency": "emotional dependency",
    "desensitisation": "normalising what is asked",
}
HANDLING = (
    "Do not contact the suspect account before the police decide: a tip-off can put the "
    "child at risk (reprisals, a debt said to grow). The platform has not warned the "
    "suspect. The child was offered support and signposting only."
)


@dataclass(frozen=True, slots=True)
class ReferralParticipant:
    """An account in the conversation as the platform knows it (no profile content)."""

    account_id: str
    role: str  # suspect | child at risk | other participant
    declared_age: int | None = None
    verified_age: int | None = None
    age_band: str | None = None
    account_created_at: datetime | None = None
    messages: int = 0


@dataclass(frozen=True, slots=True)
class ReferralCase:
    """Everything the referral is built from: one stored conversation of one tenant.

    ``assessment`` is the stored assessment with evidence excerpts filled in (``None`` once
    the retention purge removed the text); ``message_times`` maps message index to time.
    """

    tenant_id: str
    conversation_id: str
    message_count: int
    assessment: dict[str, Any]
    participants: list[ReferralParticipant]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    message_times: dict[int, datetime] = field(default_factory=dict)
    platform: str | None = None
    reporter: str | None = None  # the platform's name for itself


def build_police_referral(case: ReferralCase, now: datetime | None = None) -> ReportDocument:
    """The referral document (structured JSON and readable HTML) for one case."""
    now = now or datetime.now(UTC)
    a = case.assessment
    harm = a.get("harm") or Harm.GROOMING.value
    roles = {p.account_id: p.role for p in case.participants}
    tactics = {name: sorted(set(idx)) for name, idx in (a.get("tactics") or {}).items() if idx}
    evidence = [
        {
            "message_index": int(e["message_index"]),
            "sent_at": _iso(case.message_times.get(int(e["message_index"]))),
            "from_role": roles.get(e.get("sender") or "", "unknown"),
            "indicator": e["kind"],
            "excerpt": e.get("excerpt"),
        }
        for e in sorted(a.get("evidence") or [], key=lambda e: int(e["message_index"]))
        if e.get("kind") in INDICATORS
    ][:MAX_EVIDENCE]
    reference = _reference(case, now)
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "reference": reference,
        "created_at": now.isoformat(),
        "route": "law_enforcement_referral",
        "ncmec_reportable": harm in NCMEC_HARMS,
        "harm": harm,
        "reporter": {"tenant": case.tenant_id, "name": case.reporter, "service": case.platform},
        "summary": _summary(harm, a, tactics, case),
        "conversation": {
            "id": case.conversation_id,
            "messages": case.message_count,
            "level": a.get("level"),
            "risk": a.get("risk"),
            "first_alert_index": a.get("first_alert_index"),
            "first_message_at": _iso(min(case.message_times.values(), default=None)),
            "last_message_at": _iso(max(case.message_times.values(), default=None)),
        },
        "participants": [_participant(p) for p in case.participants],
        "indicators": [
            {"indicator": name, "meaning": INDICATORS.get(name, name), "message_indices": idx}
            for name, idx in sorted(tactics.items(), key=lambda kv: kv[1][0])
        ],
        "evidence": evidence,
        "detector_reasons": list(a.get("reasons") or []),
        "alerts": case.alerts,
        "actions_taken": case.actions,
        "handling": HANDLING,
    }
    return ReportDocument(KIND, reference, case.tenant_id, now, data, render_html(data))


def _reference(case: ReferralCase, now: datetime) -> str:
    seed = f"{case.tenant_id}\x1f{case.conversation_id}\x1f{now.isoformat()}"
    return f"REF-{now:%Y%m%d}-{hashlib.sha256(seed.encode()).hexdigest()[:10].upper()}"


def _summary(
    harm: str, a: dict[str, Any], tactics: dict[str, list[int]], case: ReferralCase
) -> str:
    what = {
        Harm.CRIMINAL_EXPLOITATION.value: "suspected criminal exploitation of a child "
        "(recruitment into carrying, holding or travelling for others)",
        Harm.SEXTORTION.value: "suspected sextortion of a child",
    }.get(harm, "suspected grooming of a child")
    child = next((p for p in case.participants if p.role == "child at risk"), None)
    age = ""
    if child is not None and (child.verified_age or child.declared_age) is not None:
        age = f", the child's stated age {child.verified_age or child.declared_age}"
    shown = ", ".join(INDICATORS.get(t, t) for t in sorted(tactics, key=lambda t: tactics[t][0]))
    return (
        f"Automated detection found {what} in a conversation of {case.message_count} messages"
        f" (level {a.get('level')}, risk {a.get('risk')}{age}). Indicators: {shown or 'none'}."
    )


def _participant(p: ReferralParticipant) -> dict[str, Any]:
    return {
        "account_id": p.account_id,
        "role": p.role,
        "declared_age": p.declared_age,
        "verified_age": p.verified_age,
        "age_band": p.age_band,
        "account_created_at": _iso(p.account_created_at),
        "messages": p.messages,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def render_html(data: dict[str, Any]) -> str:
    """The referral as one self-contained HTML page; every value is escaped."""

    def e(value: Any) -> str:
        return html.escape("–" if value is None else str(value))

    def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
        if not rows:
            return "<p>None.</p>"
        head = "".join(f"<th>{e(c.replace('_', ' '))}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    conv = data["conversation"]
    facts = [
        ("Reference", data["reference"]),
        ("Created", data["created_at"]),
        ("Harm", data["harm"]),
        ("Route", data["route"]),
        ("NCMEC reportable", "yes" if data["ncmec_reportable"] else "no"),
        ("Reporting platform", data["reporter"]["name"] or data["reporter"]["tenant"]),
        ("Conversation", conv["id"]),
        ("Messages", conv["messages"]),
        ("Level / risk", f"{conv['level']} / {conv['risk']}"),
        ("First / last message", f"{conv['first_message_at']} / {conv['last_message_at']}"),
    ]
    fact_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    indicators = [
        {**i, "message_indices": ", ".join(map(str, i["message_indices"]))}
        for i in data["indicators"]
    ]
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Police referral {e(data['reference'])}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
        "th,td{border:1px solid #999;padding:.3em;text-align:left;vertical-align:top}"
        ".handling{border:2px solid #b00;padding:.5em}</style></head><body>"
        f"<h1>Police referral {e(data['reference'])}</h1>"
        f"<p class='handling'><strong>Handling:</strong> {e(data['handling'])}</p>"
        f"<p>{e(data['summary'])}</p>"
        f"<table>{fact_rows}</table>"
        "<h2>Participants</h2>"
        + table(
            data["participants"],
            [
                "account_id",
                "role",
                "declared_age",
                "verified_age",
                "age_band",
                "account_created_at",
                "messages",
            ],
        )
        + "<h2>Indicators</h2>"
        + table(indicators, ["indicator", "meaning", "message_indices"])
        + "<h2>Evidence (excerpts only)</h2>"
        + table(data["evidence"], ["message_index", "sent_at", "from_role", "indicator", "excerpt"])
        + "<h2>Alerts</h2>"
        + table(data["alerts"], ["raised_at", "level", "harm", "message_index"])
        + "<h2>Actions taken by the platform</h2>"
        + table(data["actions_taken"], ["created_at", "action", "shadow"])
        + "<h2>Why the detector flagged it</h2><ul>"
        + "".join(f"<li>{e(r)}</li>" for r in data["detector_reasons"])
        + "</ul></body></html>\n"
    )
