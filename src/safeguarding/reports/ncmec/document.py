"""The CyberTipline report XML, built from a :class:`ReportCase` in the schema's sequence.

Grooming and sextortion are "Online Enticement of Children for Sexual Acts", text-only cases
included (the conversation is attached as a file). Annotations: ``sextortion`` for a
sextortion case, ``csamSolicitation`` when images were asked for, ``minorToMinorInteraction``
when the suspected offender is a minor too. Meeting and threat cases are escalated to high
priority. No message text is put in the XML: the conversation travels as an uploaded file.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

import xmlschema

from safeguarding.reports.case import ReportCase
from safeguarding.reports.config import TenantReporting
from safeguarding.reports.errors import MissingFields

ENTICEMENT = "Online Enticement of Children for Sexual Acts"
CLASSIFICATIONS = ("A1", "A2", "B1", "B2")
HASH_TYPES = {"sha256": "SHA256", "md5": "MD5", "sha1": "SHA1", "pdq": "PDQ"}


@functools.cache
def schema() -> xmlschema.XMLSchema:
    """The CyberTipline XSD shipped with the package (see ``cybertip.xsd``)."""
    source = resources.files("safeguarding.reports.ncmec") / "cybertip.xsd"
    return xmlschema.XMLSchema(source.read_text(encoding="utf-8"))


def schema_errors(xml: bytes | str) -> list[str]:
    """Every schema violation of a document, as ``path: reason`` (empty when valid)."""
    return [f"{e.path}: {e.reason}" for e in schema().iter_errors(xml)]


def _add(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = _text(text)
    return child


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _maybe(parent: ET.Element, tag: str, value: Any) -> None:
    if value not in (None, "", ()):
        _add(parent, tag, value)


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A media item of the case to upload: its bytes come from the platform (we never hold
    media); the reviewer's view decides ``viewed`` and ``classification``."""

    name: str
    content: bytes
    hashes: dict[str, str]  # hash type (sha256, md5, pdq) -> hex, as the platform sent it
    viewed: bool = False
    classification: str | None = None  # A1, A2, B1, B2
    publicly_available: bool = False


def missing_fields(case: ReportCase, config: TenantReporting) -> list[str]:
    """What a CyberTip of this case still needs, before anything is sent."""
    missing: list[str] = []
    r = config.reporter
    if not (r.first_name or r.last_name or r.company):
        missing.append("reporter.first_name/last_name or reporter.company (configuration)")
    if not r.email:
        missing.append("reporter.email (configuration)")
    if not case.messages:
        missing.append("conversation messages")
    if case.offender is None:
        missing.append("suspected offender (the assessment names none)")
    if case.at_risk is None:
        missing.append("child at risk (the assessment names none)")
    if case.level not in ("alert", "urgent"):
        missing.append(f"alert level (the conversation is at '{case.level}')")
    return missing


def report_annotations(case: ReportCase) -> list[str]:
    found: list[str] = []
    if case.harm == "sextortion":
        found.append("sextortion")
    if "image_request" in case.tactics:
        found.append("csamSolicitation")
    offender_age = case.age_of(case.offender)
    if offender_age is not None and offender_age < 18:
        found.append("minorToMinorInteraction")
    return found


def content_summary(case: ReportCase) -> str:
    """What the chat shows, in words about it (never quoting it)."""
    tactics = ", ".join(t.replace("_", " ") for t in case.tactics) or "none named"
    media = len(case.media)
    people = len({m.sender for m in case.messages} | set(case.accounts))
    return (
        f"{case.harm.replace('_', ' ').capitalize()} in a text chat of "
        f"{len(case.messages)} messages between {people} accounts; {media} media item(s). "
        f"Tactics the automated detection named: {tactics}. The full conversation is "
        f"attached as a file."
    )


def build_report(
    case: ReportCase, config: TenantReporting, *, approved_by: str | None = None
) -> bytes:
    """The ``report`` document; :class:`MissingFields` if the case lacks what it needs."""
    missing = missing_fields(case, config)
    if missing:
        raise MissingFields("ncmec", missing)
    root = ET.Element("report")
    summary = _add(root, "incidentSummary")
    _add(summary, "incidentType", ENTICEMENT)
    _maybe(summary, "platform", config.platform)
    if case.severe:
        reason = "meeting or threat" if set(case.tactics) & {"meeting", "threat"} else "sextortion"
        _add(summary, "escalateToHighPriority", f"Child at imminent risk: {reason}")
    notes = report_annotations(case)
    if notes:
        holder = _add(summary, "reportAnnotations")
        for note in notes:
            _add(holder, note)
    _add(summary, "incidentDateTime", case.incident_at)

    chat = _add(_add(root, "internetDetails"), "chatImIncident")
    _maybe(chat, "chatClient", config.chat_client or config.platform)
    _add(chat, "chatRoomName", case.conversation_id)
    _add(chat, "content", content_summary(case))

    reporter = _add(root, "reporter")
    person = _add(reporter, "reportingPerson")
    _maybe(person, "firstName", config.reporter.first_name)
    _maybe(person, "lastName", config.reporter.last_name)
    _maybe(person, "phone", config.reporter.phone)
    _add(person, "email", config.reporter.email)
    _maybe(reporter, "companyTemplate", config.reporter.company)
    _maybe(reporter, "termsOfService", config.reporter.terms_of_service)
    _maybe(reporter, "legalURL", config.reporter.legal_url)

    _reported(root, case, config)
    _victim(root, case, config)
    info = (
        f"Detected by automated analysis (risk {case.risk:.2f}, level {case.level}); "
        f"reviewed and approved by {approved_by or 'a moderator'} before reporting."
    )
    _add(root, "additionalInfo", info)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _reported(root: ET.Element, case: ReportCase, config: TenantReporting) -> None:
    account = case.offender or ""
    who = case.identity(account)
    node = _add(root, "personOrUserReported")
    if who.email or case.age_of(account) is not None:
        person = _add(node, "personOrUserReportedPerson")
        _maybe(person, "email", who.email)
        _maybe(person, "age", case.age_of(account))
    _add(node, "espIdentifier", account)
    _maybe(node, "espService", config.platform)
    _maybe(node, "screenName", who.screen_name)
    for name in who.display_names:
        _add(node, "displayName", name)
    profile = who.profile_url or config.profile_url(account)
    _maybe(node, "profileUrl", profile)
    for ip in who.ip_events:
        event = _add(node, "ipCaptureEvent")
        _add(event, "ipAddress", ip.ip)
        _maybe(event, "eventName", ip.event)
        _maybe(event, "dateTime", ip.at)
        _maybe(event, "possibleProxy", ip.possible_proxy)
        _maybe(event, "port", ip.port)
    for device in who.device_ids:
        d = _add(node, "deviceId")
        _add(d, "idType", device.kind)
        _add(d, "idValue", device.value)
        _maybe(d, "eventName", device.event)
        _maybe(d, "dateTime", device.at)
    if who.prior_cybertips:
        prior = _add(node, "priorCTReports")
        for ref in who.prior_cybertips:
            _add(prior, "priorCTReport", ref)
    if who.account_disabled == "temporarily":
        _add(node, "accountTemporarilyDisabled", True)
    elif who.account_disabled == "permanently":
        _add(node, "accountPermanentlyDisabled", True)
    declared = case.accounts.get(account)
    if declared is not None and declared.declared_age is not None:
        _add(
            node,
            "additionalInfo",
            f"Age the account declared on the platform: {declared.declared_age}",
        )


def _victim(root: ET.Element, case: ReportCase, config: TenantReporting) -> None:
    account = case.at_risk or ""
    who = case.identity(account)
    node = _add(root, "victim")
    age = case.age_of(account)
    if age is not None:
        _add(_add(node, "victimPerson"), "age", age)
    _add(node, "espIdentifier", account)
    _maybe(node, "espService", config.platform)
    _maybe(node, "screenName", who.screen_name)
    for name in who.display_names:
        _add(node, "displayName", name)
    _maybe(node, "profileUrl", who.profile_url or config.profile_url(account))


def build_file_details(
    report_id: str,
    file_id: str,
    *,
    name: str,
    viewed: bool,
    hashes: dict[str, str],
    relevance: str = "Reported",
    classification: str | None = None,
    publicly_available: bool = False,
) -> bytes:
    """The ``fileDetails`` document of one uploaded file."""
    if classification is not None and classification not in CLASSIFICATIONS:
        raise MissingFields(
            "ncmec", [f"industry classification {classification!r}: one of A1, A2, B1, B2"]
        )
    root = ET.Element("fileDetails")
    _add(root, "reportId", report_id)
    _add(root, "fileId", file_id)
    _add(root, "originalFileName", name)
    _add(root, "fileViewedByEsp", viewed)
    _add(root, "publiclyAvailable", publicly_available)
    _add(root, "fileRelevance", relevance)
    _maybe(root, "industryClassification", classification)
    for kind, value in hashes.items():
        _add(root, "originalFileHash", value, hashType=HASH_TYPES.get(kind, kind.upper()))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def file_hashes(content: bytes) -> dict[str, str]:
    return {"md5": hashlib.md5(content).hexdigest(), "sha256": hashlib.sha256(content).hexdigest()}
