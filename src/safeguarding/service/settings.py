"""Service settings, read from ``SAFEGUARDING_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any

from safeguarding.storage.db import DEFAULT_DB_URL


def _env_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class Settings:
    """Knobs of the service; every field can be set as ``SAFEGUARDING_<NAME>``."""

    db_url: str = DEFAULT_DB_URL
    sqlite_synchronous: str = "NORMAL"
    max_body_bytes: int = 1_000_000
    media_max_body_bytes: int = 25_000_000  # uploads to /v1/media/ (images, videos, bank files)
    max_events_per_batch: int = 500
    max_text_chars: int = 10_000
    max_future_skew_s: int = 300
    retention_days: int = 90
    log_text: bool = False
    log_level: str = "INFO"
    webhooks_enabled: bool = True
    webhook_timeout_s: float = 5.0
    webhook_max_age_s: int = 72 * 3600
    webhook_backoff_base_s: float = 1.0
    webhook_backoff_max_s: float = 300.0
    webhook_poll_s: float = 0.5
    # Conversations' head rows one sender claims per round: small, so that on PostgreSQL
    # several senders share a backlog instead of one taking it all.
    webhook_claim_batch: int = 10
    max_engine_conversations: int = 50_000
    # The engine state of a conversation is stored every this many of its messages (and when
    # it is new); on restore the messages after the snapshot are replayed through the engine.
    engine_snapshot_every: int = 16
    evidence_hold_level: int = 2  # conversations reaching ALERT keep their text as evidence
    policy: str = ""  # the service-wide policy file; empty: the last stored, else the default
    policy_refresh_s: float = 5.0  # how often policy versions stored elsewhere are taken up
    shadow: bool = False  # decide and record actions, emit none (overrides the policy's flag)
    # The interpreter's thread switch interval in a service on PostgreSQL (its writer
    # thread and the event loop share the GIL), in ms; Python's default is 5.
    switch_interval_ms: float = 0.5
    reports_config: str = ""  # per-tenant reporting configuration (docs/reports.md)
    # Scale-out (docs/scale-out.md): the JetStream server between the API and the workers;
    # empty: one process ingests synchronously, as without a queue.
    queue_url: str = ""
    queue_stream: str = "SAFEGUARDING"  # stream name; DLQ, leases and subjects derive from it
    queue_partitions: int = 16  # per-conversation order: one active consumer per partition
    queue_max_messages: int = 1_000_000  # stream bound: beyond it the API answers 503
    queue_max_ack_pending: int = 256  # unacknowledged messages per partition consumer
    queue_fetch_batch: int = 100  # messages a worker applies in one transaction at most
    queue_lease_s: float = 10.0  # a dead worker's partitions are taken over after this
    queue_publish_timeout_s: float = 2.0  # JetStream acknowledgement wait before a 503
    queue_retry_after_s: int = 2  # Retry-After of the API's 503 answers

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("SAFEGUARDING_" + f.name.upper())
            if raw is None:
                continue
            kind = type(getattr(cls(), f.name))
            values[f.name] = _env_bool(raw) if kind is bool else kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)
