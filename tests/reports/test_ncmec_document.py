"""The CyberTip XML from the demo data: schema-valid for text-only grooming and sextortion,
in the schema's sequence, without message text."""

from __future__ import annotations

from dataclasses import replace
from xml.etree import ElementTree as ET

import pytest
from report_helpers import tenant_config

from safeguarding.reports.case import CaseNotFound, Identity, IpEvent, case_from_conversation
from safeguarding.reports.errors import MissingFields
from safeguarding.reports.ncmec.document import build_file_details, schema_errors
from safeguarding.reports.ncmec.submit import prepare_cybertip


def test_grooming_case_is_a_schema_valid_enticement_report(demo) -> None:
    h, tenant, _ = demo
    case = case_from_conversation(h.repo, tenant, "ex-01")
    assert case.harm == "grooming" and case.offender == "kai" and case.at_risk == "mo"
    xml = prepare_cybertip(case, tenant_config(), approved_by="mod-1")
    assert schema_errors(xml) == []
    root = ET.fromstring(xml)
    assert [c.tag for c in root] == [
        "incidentSummary",
        "internetDetails",
        "reporter",
        "personOrUserReported",
        "victim",
        "additionalInfo",
    ]
    assert (
        root.findtext("incidentSummary/incidentType")
        == "Online Enticement of Children for Sexual Acts"
    )
    notes = [e.tag for e in root.find("incidentSummary/reportAnnotations")]  # type: ignore[union-attr]
    assert "csamSolicitation" in notes and "sextortion" not in notes
    # the suspected offender declared 15: minor-to-minor as far as the platform knows
    assert "minorToMinorInteraction" in notes
    assert root.findtext("internetDetails/chatImIncident/chatRoomName") == "ex-01"
    assert root.findtext("personOrUserReported/espIdentifier") == "kai"
    assert root.findtext("personOrUserReported/profileUrl") == "https://chat.example/u/kai"
    assert root.findtext("victim/victimPerson/age") == "12"
    texts = " ".join(m.text or "" for m in case.messages)
    for message in case.messages:
        assert (message.text or "@@") not in xml.decode(), "message text leaked into the XML"
    assert texts


def test_sextortion_case_is_annotated_and_escalated(demo) -> None:
    h, tenant, _ = demo
    case = case_from_conversation(h.repo, tenant, "ex-04")
    assert case.harm == "sextortion"
    root = ET.fromstring(prepare_cybertip(case, tenant_config(), approved_by="mod-1"))
    assert root.findtext("incidentSummary/escalateToHighPriority")
    notes = [e.tag for e in root.find("incidentSummary/reportAnnotations")]  # type: ignore[union-attr]
    assert "sextortion" in notes


def test_identity_from_the_platform_goes_in_sequence(demo) -> None:
    h, tenant, _ = demo
    identity = Identity(
        screen_name="kai_builds",
        display_names=("Kai",),
        ip_events=(IpEvent("192.0.2.10", "login", None, 443),),
        prior_cybertips=("900001",),
        account_disabled="temporarily",
    )
    case = case_from_conversation(h.repo, tenant, "ex-01", identities={"kai": identity})
    xml = prepare_cybertip(case, tenant_config(), approved_by="mod-1")
    reported = ET.fromstring(xml).find("personOrUserReported")
    assert reported is not None
    tags = [c.tag for c in reported]
    assert tags.index("screenName") < tags.index("displayName") < tags.index("ipCaptureEvent")
    assert (
        tags.index("ipCaptureEvent")
        < tags.index("priorCTReports")
        < tags.index("accountTemporarilyDisabled")
    )


def test_order_errors_are_caught_by_the_schema(demo) -> None:
    h, tenant, _ = demo
    xml = prepare_cybertip(
        case_from_conversation(h.repo, tenant, "ex-01"), tenant_config(), approved_by="m"
    )
    root = ET.fromstring(xml)
    reporter = root.find("reporter")
    assert reporter is not None
    root.remove(reporter)
    root.insert(0, reporter)  # reporter before incidentSummary
    assert schema_errors(ET.tostring(root))


def test_missing_fields_are_listed_before_anything_is_sent(demo) -> None:
    h, tenant, _ = demo
    benign = case_from_conversation(h.repo, tenant, "ex-02")
    config = tenant_config(reporter={"company": "", "email": ""})
    with pytest.raises(MissingFields) as caught:
        prepare_cybertip(benign, config, approved_by="m")
    joined = " ".join(caught.value.missing)
    assert "reporter.email" in joined and "alert level" in joined
    assert h.repo.authority_reports(tenant) == []


def test_other_tenants_conversation_is_not_found(demo) -> None:
    h, _, _ = demo
    other, _ = h.tenant("other")
    with pytest.raises(CaseNotFound):
        case_from_conversation(h.repo, other, "ex-01")


def test_file_details_valid_and_classification_checked() -> None:
    details = build_file_details(
        "1001", "f1", name="a.jpg", viewed=False, hashes={"sha256": "ab" * 32}, classification="B1"
    )
    assert schema_errors(details) == []
    with pytest.raises(MissingFields):
        build_file_details("1001", "f1", name="a.jpg", viewed=False, hashes={}, classification="C9")


def test_transcript_is_built_from_stored_messages(demo) -> None:
    h, tenant, _ = demo
    case = case_from_conversation(h.repo, tenant, "ex-01")
    body = case.transcript().decode()
    assert body.count("\n") == len(case.messages) + 1
    shorter = replace(case, messages=case.messages[:3])
    assert shorter.transcript_digest() != case.transcript_digest()
