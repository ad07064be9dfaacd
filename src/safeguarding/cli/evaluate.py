"""``safeguarding eval`` and ``safeguarding bench``: the numbers the project reports.

With ``--json`` each command writes exactly one JSON object to stdout; progress, warnings and
bad corpus lines go to stderr so the output can be piped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from safeguarding.cli import app
from safeguarding.cli.corpus import progress_bar, read_conversations
from safeguarding.domain import Conversation

stderr = Console(stderr=True)


def _tracked(
    conversations: Sequence[Conversation], progress: Progress, name: str
) -> Iterator[Conversation]:
    task = progress.add_task(name, total=len(conversations))
    for conv in conversations:
        yield conv
        progress.advance(task)


@app.command("eval")
def eval_command(
    paths: Annotated[
        list[Path], typer.Argument(help="DATASPEC .jsonl / PAN .xml files or folders.")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    baseline: Annotated[
        list[str] | None,
        typer.Option("--baseline", "-b", help="keyword | profanity | sentinel | all; repeatable."),
    ] = None,
    only_baseline: Annotated[
        bool, typer.Option("--only-baseline", help="Score the baselines without the engine.")
    ] = False,
    model: Annotated[
        Path | None, typer.Option(help="Risk model file for the engine (default: bundled).")
    ] = None,
) -> None:
    """Score the engine (and baselines, side by side) with the measures of DATASPEC.md."""
    from safeguarding.evaluation.metrics import EvaluationReport, evaluate
    from safeguarding.evaluation.report import render
    from safeguarding.evaluation.systems import (
        FACTORIES,
        engine_system,
        expand_baselines,
        get_system,
    )

    names = ([] if only_baseline else ["engine"]) + expand_baselines(baseline or [])
    unknown = [n for n in names if n not in FACTORIES]
    if unknown or not names:
        stderr.print(f"unknown or no systems: {unknown or names}; known: {', '.join(FACTORIES)}")
        raise typer.Exit(2)

    conversations, problems = read_conversations(paths, lenient=True)
    for problem in problems:
        stderr.print(f"[yellow]skipped[/] {problem}", markup=True, highlight=False)
    if not conversations:
        stderr.print("nothing could be read")
        raise typer.Exit(1)

    reports: list[EvaluationReport] = []
    with progress_bar(stderr, description="{task.description:>10}") as progress:
        for name in names:
            try:
                system = engine_system(model) if name == "engine" and model else get_system(name)
                predictions = system(_tracked(conversations, progress, name))
            except Exception as exc:  # one broken system must not hide the others
                stderr.print(f"[red]{name} failed:[/] {exc}", highlight=False)
                continue
            reports.append(evaluate(conversations, predictions, system=name))
    if not reports:
        raise typer.Exit(1)

    if json_output:
        sys.stdout.write(json.dumps(eval_json(reports, len(problems)), ensure_ascii=False) + "\n")
    else:
        render(reports, Console())


def eval_json(reports: Sequence[Any], corpus_errors: int) -> dict[str, Any]:
    """The first system's report at the top level; the others under ``baselines``."""
    first, *others = reports
    out: dict[str, Any] = first.to_dict()
    out["corpus_errors"] = corpus_errors
    if others:
        out["baselines"] = {r.system: r.to_dict() for r in others}
    return out


def _bench_subprocess(args: Iterable[str]) -> dict[str, Any]:
    """Run the bench in a fresh interpreter: threads fixed before numpy loads, clean RSS."""
    from safeguarding.benchmarks.engine import THREAD_VARIABLES

    env = dict(os.environ)
    env.update({variable: "1" for variable in THREAD_VARIABLES})
    done = subprocess.run(
        [sys.executable, "-m", "safeguarding.benchmarks.engine", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise typer.Exit(done.returncode or 1)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


@app.command("bench")
def bench_command(
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    messages: Annotated[int, typer.Option(help="Measured messages (after warm-up).")] = 20_000,
    warmup: Annotated[int, typer.Option(help="Messages processed before measuring.")] = 1_000,
    seed: Annotated[int, typer.Option(help="Seed of the generated stream.")] = 7,
    max_seconds: Annotated[float, typer.Option(help="Stop measuring after this long.")] = 30.0,
    in_process: Annotated[
        bool, typer.Option("--in-process", help="Run in this process (RSS includes the CLI).")
    ] = False,
) -> None:
    """Throughput, latency p50/p99 and peak memory of the engine on one core."""
    if in_process:
        from safeguarding.benchmarks.engine import run_bench

        result = run_bench(
            messages=messages, warmup=warmup, seed=seed, max_seconds=max_seconds
        ).to_dict()
    else:
        with stderr.status("benchmarking the engine on one core…"):
            result = _bench_subprocess(
                [
                    f"--messages={messages}",
                    f"--warmup={warmup}",
                    f"--seed={seed}",
                    f"--max-seconds={max_seconds}",
                ]
            )
    if json_output:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    table = Table(title="Engine benchmark (one core)", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,.2f}" if isinstance(value, float) else str(value))
    Console().print(table)
