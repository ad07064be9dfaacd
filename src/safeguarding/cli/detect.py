"""Detection commands: ``scan`` a corpus, ``train`` the risk model, ``demo`` on examples."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from safeguarding.cli import app
from safeguarding.domain import Conversation
from safeguarding.ingest import CorpusError, read_corpora
from safeguarding.risk.engine import Engine, ScanResult

err = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep and logs


def progress_bar(transient: bool = True) -> Progress:
    """The progress bar every long command shows on standard error."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


def load_conversations(paths: list[Path]) -> list[Conversation]:
    """Read corpora; report each bad line with its place on stderr and keep the rest."""
    errors: list[CorpusError] = []
    try:
        conversations = list(read_corpora(paths, errors))
    except CorpusError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    for e in errors:
        err.print(f"[yellow]skipped bad line[/] {e}")
    if not conversations:
        err.print("[red]error:[/] no conversation could be read")
        raise typer.Exit(2)
    return conversations


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
