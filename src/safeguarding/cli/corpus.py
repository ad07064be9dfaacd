"""Corpus loading and the progress bar that the corpus commands (scan, train, eval) share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from safeguarding.domain import Conversation
from safeguarding.ingest import CorpusError, read_corpus

err = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep and logs


def progress_bar(
    console: Console = err,
    *,
    description: str = "[progress.description]{task.description}",
    transient: bool = True,
) -> Progress:
    """The progress bar every long command shows on standard error (only on a terminal)."""
    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal,
    )


def read_conversations(
    paths: Sequence[Path], *, lenient: bool = False
) -> tuple[list[Conversation], list[str]]:
    """Read every corpus in order; returns the conversations and the problems found.

    Bad lines are always problems, never fatal. ``lenient`` (eval) also skips an unreadable
    path and drops a repeated conversation id, both reported, so every conversation is scored
    once; otherwise (scan, train) an unreadable path raises :class:`CorpusError`.
    """
    problems: list[str] = []
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for path in paths:
        errors: list[CorpusError] = []
        try:
            for conv in read_corpus(path, errors):
                if lenient and conv.id in seen:
                    problems.append(f"{conv.source or path}: repeated id {conv.id!r}, skipped")
                    continue
                seen.add(conv.id)
                conversations.append(conv)
        except CorpusError as exc:  # missing file, unreadable XML
            if not lenient:
                raise
            errors.append(exc)
        problems.extend(str(e) for e in errors)
    return conversations, problems


def load_conversations(paths: Sequence[Path]) -> list[Conversation]:
    """Read corpora; report each bad line with its place on stderr and keep the rest.

    Exits with status 2 when a path cannot be read or no conversation could be read.
    """
    try:
        conversations, problems = read_conversations(paths)
    except CorpusError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    for problem in problems:
        err.print(f"[yellow]skipped bad line[/] {problem}")
    if not conversations:
        err.print("[red]error:[/] no conversation could be read")
        raise typer.Exit(2)
    return conversations
