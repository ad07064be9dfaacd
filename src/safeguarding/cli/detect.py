"""Detection commands: ``scan`` a corpus, ``train`` the risk model, ``demo`` on examples."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.cli import app
from safeguarding.cli.corpus import load_conversations, progress_bar
from safeguarding.risk.engine import Engine, ScanResult


def example_corpus() -> Path:
    return Path(str(resources.files("safeguarding.data") / "examples" / "examples.jsonl"))


def scan_record(result: ScanResult) -> dict[str, object]:
    a = result.assessment
    tactics = [
        {"name": name, "message_index": i}
        for name, idxs in a.tactics.items()
        for i in sorted(set(idxs))
    ]
    tactics.sort(key=lambda t: (t["message_index"], t["name"]))
    return {
        "id": result.conversation.id,
        "alert": result.alert_at is not None,
        "alert_at": result.alert_at,
        "risk": round(a.risk, 4),
        "level": a.level.label,
        "harm": a.harm,
        "offender": a.offender,
        "at_risk": a.at_risk,
        "tactics": tactics,
        "reasons": a.reasons,
    }


def scan_table(results: list[ScanResult]) -> Table:
    table = Table(title="Conversation risk", show_lines=False)
    for col in ("conversation", "messages", "risk", "level", "first alert", "offender", "tactics"):
        table.add_column(col, overflow="fold")
    for r in results:
        a = r.assessment
        colour = {"urgent": "bold red", "alert": "red", "watch": "yellow"}.get(
            a.level.label, "green"
        )
        table.add_row(
            r.conversation.id,
            str(len(r.conversation.messages)),
            f"{a.risk:.2f}",
            f"[{colour}]{a.level.label}[/]",
            "-" if r.alert_at is None else f"after msg {r.alert_at}",
            a.offender or "-",
            ", ".join(sorted(a.tactics)) if a.offender else "-",
        )
    return table


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help="DATASPEC .jsonl or PAN 2012 .xml corpora")],
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="one JSON object per conversation")
    ] = False,
    model: Annotated[Path | None, typer.Option(help="risk model file (default: bundled)")] = None,
) -> None:
    """Stream each conversation through the engine and report risk, first alert and tactics."""
    conversations = load_conversations(paths)
    engine = _engine(model)
    results: list[ScanResult] = []
    with progress_bar() as bar:
        task = bar.add_task("scanning", total=len(conversations))
        for result in engine.scan(conversations):
            if jsonl:
                sys.stdout.write(json.dumps(scan_record(result), ensure_ascii=False) + "\n")
            else:
                results.append(result)
            bar.advance(task)
    if not jsonl:
        Console().print(scan_table(results))


@app.command()
def demo() -> None:
    """Scan the bundled example conversations and print the risk table."""
    conversations = load_conversations([example_corpus()])
    results = list(_engine(None).scan(conversations))
    Console().print(scan_table(results))
    Console().print(
        "Each row is one conversation replayed message by message; 'first alert' is the "
        "message after which the engine would have escalated."
    )


def _engine(model: Path | None) -> Engine:
    if model is None:
        return Engine.default()
    from safeguarding.risk.model import RiskModel
    from safeguarding.signals.extract import MessageAnalyser

    return Engine(RiskModel.load(model), MessageAnalyser.default())
