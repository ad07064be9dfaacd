"""Builders for the reports tests: demo data in a service database, tenant configuration."""

from __future__ import annotations

from typing import Any

from report_fakes import PASSWORD, USER
from service_helpers import Harness

from safeguarding.api.demo import conversation_events, example_conversations
from safeguarding.reports.config import TenantReporting, parse_tenant


def load_demo(h: Harness, tenant: str = "demo") -> tuple[str, dict[str, str]]:
    """The bundled example conversations, ingested through the API for ``tenant``."""
    tenant_id, headers = h.tenant(tenant, scopes=("admin",))
    for conversation in example_conversations():
        events = list(conversation_events(conversation))
        for start in range(0, len(events), 50):
            answer = h.post(headers, events[start : start + 50])
            assert answer.status_code == 200, answer.text
    return tenant_id, headers


def tenant_section(ncmec_url: str = "http://127.0.0.1:9", **extra: Any) -> dict[str, Any]:
    """A test tenant's reporting configuration (fictional people and addresses)."""
    section: dict[str, Any] = {
        "platform": "Example Chat",
        "chat_client": "Example Chat in-game chat",
        "profile_url_template": "https://chat.example/u/{account}",
        "reporter": {
            "company": "Example Chat Ltd",
            "first_name": "Test",
            "last_name": "Reporter",
            "email": "safety@chat.example",
            "phone": "+44 20 7946 0000",
            "role": "Trust and safety lead",
        },
        "ncmec": {
            "base_url": ncmec_url,
            "username": USER,
            "password_env": "TEST_NCMEC_PASSWORD",
            "backoff_s": 0.01,
        },
        "dsa": {
            "territorial_scope": ["IE", "DE"],
            "token_env": "TEST_DSA_TOKEN",
            "backoff_s": 0.01,
        },
    }
    section.update(extra)
    return section


ENV = {"TEST_NCMEC_PASSWORD": PASSWORD, "TEST_DSA_TOKEN": "dsa-test-token"}


def tenant_config(ncmec_url: str = "http://127.0.0.1:9", **extra: Any) -> TenantReporting:
    return parse_tenant(tenant_section(ncmec_url, **extra), ENV)
