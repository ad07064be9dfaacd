"""The police referral builder and the pluggable senders, without a database."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safeguarding.reports.documents import ReportDocument, SendReceipt
from safeguarding.reports.referral import ReferralCase, ReferralParticipant, build_police_referral
from safeguarding.reports.senders import (
    FileExporter,
    ReportSender,
    ReportSendError,
    get_sender,
    register_sender,
    sender_names,
)

NOW = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"


def case(harm: str = "criminal_exploitation", excerpt: str = "carry a bag") -> ReferralCase:
    return ReferralCase(
        tenant_id="t1",
        conversation_id="c1",
        message_count=9,
        assessment={
            "level": "urgent",
            "risk": 0.97,
            "harm": harm,
            "first_alert_index": 2,
            "tactics": {"courier_task": [2], "debt": [7], "contact_detail": []},
            "reasons": ["cce_evidence_x_stranger (+0.8)"],
            "evidence": [
                {"kind": "debt", "message_index": 7, "sender": "r", "excerpt": "you owe us"},
                {"kind": "courier_task", "message_index": 2, "sender": "r", "excerpt": excerpt},
                {"kind": "contact_detail", "message_index": 4, "sender": "r", "excerpt": None},
            ],
        },
        participants=[
            ReferralParticipant("r", "suspect", declared_age=None, messages=6),
            ReferralParticipant("k", "child at risk", declared_age=13, messages=3),
        ],
        alerts=[
            {"raised_at": NOW.isoformat(), "level": "urgent", "harm": harm, "message_index": 7}
        ],
        actions=[{"created_at": NOW.isoformat(), "action": "escalate_review", "shadow": False}],
        message_times={2: NOW, 7: NOW},
        reporter="Example Games",
    )


def test_referral_document_structure() -> None:
    doc = build_police_referral(case(), now=NOW)
    data = doc.data
    assert doc.kind == "police_referral" and doc.reference.startswith("REF-20260501-")
    assert data["ncmec_reportable"] is False and data["route"] == "law_enforcement_referral"
    assert [e["indicator"] for e in data["evidence"]] == ["courier_task", "debt"]  # in order
    assert [e["from_role"] for e in data["evidence"]] == ["suspect", "suspect"]
    assert [i["indicator"] for i in data["indicators"]] == ["courier_task", "debt"]
    assert "stated age 13" in data["summary"] and "criminal exploitation" in data["summary"]
    assert json.loads(doc.json_bytes()) == data
    assert build_police_referral(case("grooming"), now=NOW).data["ncmec_reportable"] is True


def test_html_escapes_every_value() -> None:
    doc = build_police_referral(case(excerpt=EVIL), now=NOW)
    assert EVIL not in doc.html and "&lt;script&gt;" in doc.html
    assert doc.html.startswith("<!doctype html>")


def test_file_exporter_writes_both_forms_and_logs_no_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doc = build_police_referral(case(excerpt="a very private excerpt"), now=NOW)
    with caplog.at_level(logging.INFO):
        receipt = get_sender("file", directory=tmp_path / "out").send(doc)
    assert isinstance(receipt, SendReceipt) and receipt.sender == "file"
    written = Path(receipt.location or "")
    assert written.name == f"{doc.reference}.json"
    assert json.loads(written.read_text()) == doc.data
    assert Path(receipt.detail["html"]).read_text() == doc.html
    assert receipt.digest == doc.digest
    assert all("private excerpt" not in r.getMessage() for r in caplog.records)
    again = FileExporter(tmp_path / "out").send(doc)  # a retry overwrites, same digest
    assert again.digest == receipt.digest


def test_file_exporter_failure_names_the_reference_only(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    doc = build_police_referral(case(excerpt="secret words"), now=NOW)
    with pytest.raises(ReportSendError) as info:
        FileExporter(blocker).send(doc)
    assert doc.reference in str(info.value) and "secret words" not in str(info.value)


def test_registry_takes_new_senders_and_refuses_bad_names() -> None:
    class Memory(ReportSender):
        name = "memory"

        def __init__(self) -> None:
            self.sent: list[ReportDocument] = []

        def send(self, document: ReportDocument) -> SendReceipt:
            self.sent.append(document)
            return SendReceipt(self.name, document.reference, document.digest, NOW)

    register_sender("memory-test", Memory)
    assert "memory-test" in sender_names() and "file" in sender_names()
    sender = get_sender("memory-test")
    doc = build_police_referral(case(), now=NOW)
    assert sender.send(doc).reference == doc.reference
    with pytest.raises(KeyError):
        get_sender("carrier-pigeon")
    with pytest.raises(ValueError):
        register_sender("Bad Name!", Memory)
