"""``safeguarding train``: fit the risk model from repo-owned data, and cross-validate it.

The shipped model is trained on the synthetic corpus the repository generates from its own
line banks (``safeguarding.risk.training.synthetic``), optionally plus corpora given with
``--corpus``. ``--cv`` measures on a corpus that the fitted model never saw: each fold trains
on the synthetic data and the other folds, then streams the held-out fold.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from safeguarding.cli import app
from safeguarding.cli.corpus import err, load_conversations, progress_bar
from safeguarding.domain import Conversation
from safeguarding.risk.engine import Engine
from safeguarding.risk.model import RiskModel
from safeguarding.risk.training.fit import train_model
from safeguarding.risk.training.synthetic import generate_corpus
from safeguarding.signals.extract import MessageAnalyser

DEFAULT_SYNTHETIC = 1500


def bundled_model_path() -> Path:
    return Path(str(resources.files("safeguarding.data") / "model" / "risk_model.json"))


def _fit(
    conversations: list[Conversation], sources: dict[str, int], c: float, label: str
) -> RiskModel:
    with progress_bar() as bar:
        task = bar.add_task(label, total=len(conversations))
        return train_model(
            conversations,
            MessageAnalyser.default(),
            c=c,
            sources=sources,
            progress=lambda n: bar.advance(task, n),
        )


def folds(conversations: list[Conversation], k: int, seed: int) -> list[list[Conversation]]:
    """Split into k folds; an obfuscated variant always lands with its original."""
    groups: dict[str, list[Conversation]] = defaultdict(list)
    for conv in conversations:
        groups[conv.variant_of or conv.id].append(conv)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    out: list[list[Conversation]] = [[] for _ in range(k)]
    for i, key in enumerate(keys):
        out[i % k].extend(groups[key])
    return out


@app.command()
def train(
    synthetic: Annotated[
        int, typer.Option(help="synthetic conversations to generate")
    ] = DEFAULT_SYNTHETIC,
    seed: Annotated[int, typer.Option(help="seed of the synthetic corpus")] = 0,
    corpus: Annotated[
        list[Path] | None, typer.Option(help="extra labelled corpora to train on (repeatable)")
    ] = None,
    cv: Annotated[
        list[Path] | None,
        typer.Option(help="cross-validate on these corpora instead of writing a model"),
    ] = None,
    k: Annotated[int, typer.Option("--folds", help="folds for --cv")] = 5,
    c: Annotated[float, typer.Option("--C", help="inverse regularisation strength")] = 0.3,
    out: Annotated[Path | None, typer.Option(help="where to write the model")] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="with --cv: write held-out scan records (JSONL) here")
    ] = None,
) -> None:
    """Train the risk model (or, with --cv, measure it on held-out folds)."""
    base = generate_corpus(synthetic, seed=seed) if synthetic else []
    sources: dict[str, int] = {"synthetic": len(base)}
    extra: list[Conversation] = []
    for path in corpus or []:
        loaded = load_conversations([path])
        sources[path.name] = len(loaded)
        extra.extend(loaded)
    if cv:
        _cross_validate(base, extra, load_conversations(list(cv)), k, c, seed, predictions)
        return
    data = base + extra
    if not data:
        err.print("[red]error:[/] nothing to train on")
        raise typer.Exit(2)
    model = _fit(data, sources, c, "training")
    target = out or bundled_model_path()
    model.save(target)
    Console().print(
        f"wrote [bold]{target}[/] version {model.version}: alert ≥ {model.alert_threshold:.3f}, "
        f"{model.metadata['rows']} rows from {len(data)} conversations"
    )


def _cross_validate(
    base: list[Conversation],
    extra: list[Conversation],
    held: list[Conversation],
    k: int,
    c: float,
    seed: int,
    predictions: Path | None,
) -> None:
    from safeguarding.cli.detect import scan_record
    from safeguarding.evaluation.metrics import Prediction, evaluate
    from safeguarding.evaluation.report import render

    parts = folds(held, k, seed)
    preds: list[Prediction] = []
    records: list[dict[str, object]] = []
    for i, test in enumerate(parts):
        train_set = base + extra + [conv for j, part in enumerate(parts) if j != i for conv in part]
        model = _fit(train_set, {}, c, f"fold {i + 1}/{k}")
        engine = Engine(model, MessageAnalyser.default())
        for result in engine.scan(test):
            preds.append(
                Prediction(
                    conversation_id=result.conversation.id,
                    alert=result.alert_at is not None,
                    alert_at=result.alert_at,
                    risk=result.assessment.risk,
                    offender=result.assessment.offender,
                    harm=result.assessment.harm,
                )
            )
            records.append(scan_record(result))
    report = evaluate(held, preds, system=f"engine ({k}-fold cv)")
    render([report], Console())
    if predictions:
        predictions.write_text("".join(json.dumps(r) + "\n" for r in records))
