"""Parquet export of the roll-ups and the event tables, for heavy offline analysis (DuckDB,
a warehouse). No message text, no reviewer notes, no report payloads: ids, times, types and
the dimensions counted. One file per table, written a page at a time (pyarrow)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.storage.repository import Repository

TS = pa.timestamp("us", tz="UTC")
TACTICS = pa.list_(pa.string())

ROLLUPS: dict[str, pa.Schema] = {
    "insight_daily": pa.schema(
        [
            ("tenant_id", pa.string()),
            ("day", pa.string()),
            ("metric", pa.string()),
            ("dimension", pa.string()),
            ("value", pa.string()),
            ("count", pa.int64()),
        ]
    ),
    "insight_conversations": pa.schema(
        [
            ("tenant_id", pa.string()),
            ("conversation_id", pa.string()),
            ("day", pa.string()),
            ("harm", pa.string()),
            ("area", pa.string()),
            ("locale", pa.string()),
            ("age_band", pa.string()),
            ("offender", pa.string()),
            ("tactics", TACTICS),
            ("first_risky_at", TS),
            ("alerted_at", TS),
            ("decided_at", TS),
            ("actioned_at", TS),
            ("reported_at", TS),
        ]
    ),
}

EVENTS: dict[str, pa.Schema] = {
    "alerts": pa.schema(
        [
            ("public_id", pa.string()),
            ("conversation_id", pa.string()),
            ("level", pa.int32()),
            ("risk", pa.float64()),
            ("message_index", pa.int32()),
            ("offender", pa.string()),
            ("at_risk", pa.string()),
            ("tactics", TACTICS),
            ("harm", pa.string()),
            ("status", pa.string()),
            ("raised_at", TS),
        ]
    ),
    "actions": pa.schema(
        [
            ("public_id", pa.string()),
            ("conversation_id", pa.string()),
            ("account_id", pa.string()),
            ("action_type", pa.string()),
            ("shadow", pa.bool_()),
            ("created_at", TS),
        ]
    ),
    "cases": pa.schema(
        [
            ("id", pa.string()),
            ("kind", pa.string()),
            ("state", pa.string()),
            ("queue", pa.string()),
            ("level", pa.int32()),
            ("age_band", pa.string()),
            ("platform", pa.string()),
            ("locale", pa.string()),
            ("decision", pa.string()),
            ("opened_at", TS),
            ("decided_at", TS),
        ]
    ),
    "case_events": pa.schema(
        [
            ("case_id", pa.string()),
            ("kind", pa.string()),
            ("decision", pa.string()),
            ("at", TS),
        ]
    ),
    "authority_reports": pa.schema(
        [
            ("id", pa.string()),
            ("authority", pa.string()),
            ("subject_kind", pa.string()),
            ("conversation_id", pa.string()),
            ("status", pa.string()),
            ("created_at", TS),
            ("submitted_at", TS),
        ]
    ),
}


def export_parquet(
    repo: Repository,
    tenant_id: str,
    out: Path,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write ``<table>.parquet`` for each roll-up and event table; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    tables = [(name, schema, True) for name, schema in ROLLUPS.items()]
    tables += [(name, schema, False) for name, schema in EVENTS.items()]
    for name, schema, rollup in tables:
        pages = (
            repo.insight_table_rows(tenant_id, name)
            if rollup
            else repo.export_rows(tenant_id, name, schema.names)
        )
        n = 0
        with pq.ParquetWriter(out / f"{name}.parquet", schema) as writer:
            for rows in pages:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                n += len(rows)
                if progress is not None:
                    progress(name, len(rows))
        written[name] = n
    return written
