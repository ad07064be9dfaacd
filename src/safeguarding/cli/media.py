"""``safeguarding media …``: hash, match, banks, per-hash controls, matches and the benchmark.

Banks live in the service database (``--db``, else ``$SAFEGUARDING_DB_URL``), one set per
tenant: every command that reads or changes banks or matches needs ``--tenant`` (id or name).
With ``--json`` a command writes exactly one JSON document to stdout; progress and errors go to
stderr. Bad input exits with status 2 and a one-line reason.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from safeguarding.cli import app
from safeguarding.cli.service import DbOption, open_repo
from safeguarding.signals.media import BankError, BankFormat, MediaError, MediaMatcher
from safeguarding.signals.media.hashes import parse_hash_literal

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class _HashGroup(TyperGroup):
    """``media hash FILE…`` hashes files; ``media hash disable|enable|release …`` manage hashes."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["files", *args]
        return super().parse_args(ctx, args)


media_app = typer.Typer(
    name="media",
    help="Known-abuse media and URL matching: hash, match, banks, matches, bench.",
    no_args_is_help=True,
)
bank_app = typer.Typer(help="Import, list, enable and disable hash banks.", no_args_is_help=True)
hash_app = typer.Typer(
    cls=_HashGroup,
    help="Hash files (media hash FILE…), or disable/enable/release a bank hash.",
    no_args_is_help=True,
)
media_app.add_typer(bank_app, name="bank")
media_app.add_typer(hash_app, name="hash")
app.add_typer(media_app, name="media")

TenantOption = Annotated[
    str, typer.Option("--tenant", help="Tenant id or name whose banks to use.", show_default=False)
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _fail(message: str) -> typer.Exit:
    stderr.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


@contextmanager
def _matcher(tenant: str, db: str | None) -> Iterator[MediaMatcher]:
    """The tenant's matcher over the service database."""
    repo = open_repo(db)
    try:
        found = repo.find_tenant(tenant)
        if found is None:
            raise _fail(f"no tenant {tenant!r} (see `safeguarding tenants list`)")
        matcher = MediaMatcher(repo.media(found.id))
        try:
            yield matcher
        except (MediaError, BankError) as exc:
            raise _fail(str(exc)) from exc
    finally:
        repo.close()


def _emit(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")


# --- hashing and matching -----------------------------------------------------------------------


@hash_app.command("files", hidden=True)
def hash_files(
    files: Annotated[list[Path], typer.Argument(help="Images, animations or videos to hash.")],
    json_output: JsonFlag = False,
) -> None:
    """Print PDQ (with quality), MD5 and SHA-256 of each file."""
    from safeguarding.signals.media import MediaHasher

    hasher = MediaHasher()
    results: list[dict[str, Any]] = []
    failed = 0
    for file in files:
        try:
            results.append(hasher.hash_file(file).to_dict())
        except MediaError as exc:
            failed += 1
            results.append({"source": str(file), "error": exc.reason})
            stderr.print(f"[red]{file}[/red]: {exc.reason}", highlight=False)
    if json_output:
        _emit(results)
    else:
        for result in results:
            if "error" in result:
                continue
            for digest in result["hashes"]:
                quality = f" q={digest['quality']}" if "quality" in digest else ""
                frame = f" frame={digest['frame']}" if "frame" in digest else ""
                stdout.print(
                    f"{result['source']}\t{digest['hash_type']}\t{digest['value']}{quality}{frame}",
                    highlight=False,
                )
            for note in result["notes"]:
                stderr.print(f"{result['source']}: {note}", highlight=False)
    if failed:
        raise typer.Exit(2)


@media_app.command("match")
def match_command(
    items: Annotated[
        list[str],
        typer.Argument(help="Files, or hashes (pdq:HEX, md5:HEX, sha256:HEX, bare hex, url:URL)."),
    ],
    tenant: TenantOption,
    db: DbOption = None,
    json_output: JsonFlag = False,
    no_record: Annotated[bool, typer.Option("--no-record", help="Don't record matches.")] = False,
) -> None:
    """Match files or hashes against every enabled bank."""
    outcomes: list[dict[str, Any]] = []
    failed = 0
    with _matcher(tenant, db) as matcher:
        matcher.record_matches = not no_record
        for item in items:
            try:
                if Path(item).is_file():
                    matched = matcher.match_file(item)
                elif item.lower().startswith("url:"):
                    matched = matcher.match_url(item[4:])
                else:
                    matched = matcher.match_hashes(parse_hash_literal(item), content_ref=item)
            except MediaError as exc:
                failed += 1
                outcomes.append({"content_ref": item, "error": exc.reason})
                stderr.print(f"[red]{item}[/red]: {exc.reason}", highlight=False)
                continue
            outcomes.append(matched.to_dict())
    if json_output:
        _emit(outcomes)
    else:
        for outcome in outcomes:
            if "error" in outcome:
                continue
            ref = outcome["content_ref"]
            for m in outcome["matches"]:
                stdout.print(
                    f"[bold red]MATCH[/bold red] {ref}  bank={m['bank']} {m['hash_type']} "
                    f"distance={m['distance']}",
                    highlight=False,
                )
            for m in outcome["suppressed"]:
                stdout.print(f"suppressed {ref}  bank={m['bank']} (negative bank match)")
            for reason in outcome["skipped"]:
                stderr.print(f"skipped {ref}: {reason}", highlight=False)
            for q in outcome["quarantined"]:
                stderr.print(f"[yellow]quarantined[/yellow] entry {q['entry_id']}: {q['reason']}")
            if not outcome["matches"]:
                stdout.print(f"no match  {ref}", highlight=False)
    if failed:
        raise typer.Exit(2)


@media_app.command("url")
def url_command(
    text: Annotated[str, typer.Argument(help="Chat text or a URL to check against URL banks.")],
    tenant: TenantOption,
    db: DbOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Find URLs in text (obfuscated ones too) and match them against the URL banks."""
    from safeguarding.signals.media import find_urls

    with _matcher(tenant, db) as matcher:
        found = list(find_urls(text))
        hits = matcher.url_matches(text)
    listed = {(h.found.span, h.match.bank) for h in hits}
    if json_output:
        _emit(
            [
                {
                    "text": f.text,
                    "span": list(f.span),
                    "canonical": f.canonical,
                    "obfuscated": f.obfuscated,
                    "banks": sorted(b for span, b in listed if span == f.span),
                }
                for f in found
            ]
        )
        return
    for f in found:
        banks = sorted(b for span, b in listed if span == f.span)
        mark = f"[bold red]LISTED[/bold red] in {', '.join(banks)}" if banks else "not listed"
        stdout.print(f"{f.text!r} -> {f.canonical}  {mark}", highlight=False)


# --- banks --------------------------------------------------------------------------------------


@bank_app.command("import")
def bank_import(
    name: Annotated[str, typer.Argument(help="Bank name (created if new).")],
    file: Annotated[Path, typer.Argument(help="Bank file.", exists=True, dir_okay=False)],
    tenant: TenantOption,
    fmt: Annotated[BankFormat, typer.Option("--format", help="File format.")] = BankFormat.AUTO,
    threshold: Annotated[
        int | None, typer.Option("--threshold", min=0, max=128, help="PDQ Hamming limit.")
    ] = None,
    negative: Annotated[
        bool | None,
        typer.Option("--negative/--positive", help="Known-benign bank that suppresses matches."),
    ] = None,
    dihedral: Annotated[
        bool | None,
        typer.Option("--dihedral/--no-dihedral", help="Match flipped and rotated copies too."),
    ] = None,
    db: DbOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Import a hash or URL list into a bank; bad lines are listed with their line numbers."""
    total = _count_lines(file)
    with (
        _matcher(tenant, db) as matcher,
        Progress(
            SpinnerColumn(),
            TextColumn("importing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(name, total=total)
        report = matcher.import_bank(
            name,
            file,
            fmt=fmt,
            threshold=threshold,
            negative=negative,
            dihedral=dihedral,
            progress=lambda lines: progress.update(task, completed=lines),
        )
    if json_output:
        _emit(report.to_dict())
    else:
        stdout.print(
            f"bank {report.bank}: {report.added} added, {report.duplicates} already present, "
            f"{len(report.errors)} bad lines ({report.format}, {report.lines} lines read)",
            highlight=False,
        )
    for error in report.errors[:50]:
        stderr.print(f"{file}:{error.line}: {error.message}", highlight=False)
    if len(report.errors) > 50:
        stderr.print(f"… and {len(report.errors) - 50} more bad lines")


def _count_lines(file: Path) -> int:
    with file.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) + 1


@bank_app.command("list")
def bank_list(tenant: TenantOption, db: DbOption = None, json_output: JsonFlag = False) -> None:
    """List banks with their settings and sizes."""
    with _matcher(tenant, db) as matcher:
        banks = matcher.banks()
    if json_output:
        _emit([b.to_dict() for b in banks])
        return
    table = Table("bank", "entries", "threshold", "enabled", "negative")
    for b in banks:
        table.add_row(b.name, str(b.entries), str(b.threshold), str(b.enabled), str(b.negative))
    stdout.print(table)


def _set_bank(name: str, tenant: str, db: str | None, **changes: Any) -> None:
    with _matcher(tenant, db) as matcher:
        bank = matcher.update_bank(name, **changes)
    stdout.print(
        f"bank {bank.name}: enabled={bank.enabled} threshold={bank.threshold} "
        f"dihedral={bank.dihedral}"
    )


@bank_app.command("enable")
def bank_enable(name: str, tenant: TenantOption, db: DbOption = None) -> None:
    """Match against this bank again."""
    _set_bank(name, tenant, db, enabled=True)


@bank_app.command("disable")
def bank_disable(name: str, tenant: TenantOption, db: DbOption = None) -> None:
    """Stop matching against this bank (its entries are kept)."""
    _set_bank(name, tenant, db, enabled=False)


@bank_app.command("threshold")
def bank_threshold(
    name: str,
    threshold: Annotated[int, typer.Argument(min=0, max=128)],
    tenant: TenantOption,
    db: DbOption = None,
) -> None:
    """Set the bank's PDQ Hamming distance limit."""
    _set_bank(name, tenant, db, threshold=threshold)


@bank_app.command("dihedral")
def bank_dihedral(
    name: str,
    tenant: TenantOption,
    off: Annotated[bool, typer.Option("--off", help="Stop matching flips and rotations.")] = False,
    db: DbOption = None,
) -> None:
    """Also match flipped and rotated copies of this bank's images (PDQ dihedral hashes)."""
    _set_bank(name, tenant, db, dihedral=not off)


# --- per-hash controls --------------------------------------------------------------------------

HashArg = Annotated[str, typer.Argument(help="pdq:HEX, md5:HEX, sha256:HEX, bare hex or url:URL")]
BankOpt = Annotated[str | None, typer.Option("--bank", help="Only in this bank.")]


@hash_app.command("disable")
def hash_disable(
    value: HashArg,
    tenant: TenantOption,
    bank: BankOpt = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    db: DbOption = None,
) -> None:
    """Stop matching one bank hash (a false positive)."""
    with _matcher(tenant, db) as matcher:
        entries = matcher.set_hash_disabled(value, True, bank=bank, reason=reason)
    for e in entries:
        stdout.print(f"disabled entry {e.id} in bank {e.bank} ({e.hash_type})")


@hash_app.command("enable")
def hash_enable(
    value: HashArg, tenant: TenantOption, bank: BankOpt = None, db: DbOption = None
) -> None:
    """Match a disabled bank hash again."""
    with _matcher(tenant, db) as matcher:
        entries = matcher.set_hash_disabled(value, False, bank=bank)
    for e in entries:
        stdout.print(f"enabled entry {e.id} in bank {e.bank} ({e.hash_type})")


@hash_app.command("release")
def hash_release(
    value: HashArg, tenant: TenantOption, bank: BankOpt = None, db: DbOption = None
) -> None:
    """A person confirmed a quarantined hash: match it again."""
    with _matcher(tenant, db) as matcher:
        entries = matcher.release_quarantine(value, bank=bank)
    if not entries:
        raise _fail(f"no quarantined entry holds {value!r}")
    for e in entries:
        stdout.print(f"released entry {e.id} in bank {e.bank} from quarantine")


@media_app.command("quarantined")
def quarantined_command(
    tenant: TenantOption, db: DbOption = None, json_output: JsonFlag = False
) -> None:
    """List quarantined hashes awaiting a person's decision."""
    with _matcher(tenant, db) as matcher:
        entries = matcher.quarantined()
    rows = [
        {
            "entry_id": e.id,
            "bank": e.bank,
            "hash_type": e.hash_type,
            "value": e.value,
            "reason": e.reason,
        }
        for e in entries
    ]
    if json_output:
        _emit(rows)
        return
    for row in rows:
        stdout.print(
            f"{row['entry_id']}\t{row['bank']}\t{row['hash_type']}:{row['value']}\t{row['reason']}",
            highlight=False,
        )


@media_app.command("matches")
def matches_command(
    tenant: TenantOption,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    bank: BankOpt = None,
    db: DbOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Recorded matches, newest first."""
    with _matcher(tenant, db) as matcher:
        records = matcher.matches(limit=limit, bank=bank)
    if json_output:
        _emit([r.to_dict() for r in records])
        return
    table = Table("id", "when (UTC)", "bank", "type", "distance", "content", "note")
    for r in records:
        note = (
            "negative"
            if r.negative
            else (f"suppressed by {r.suppressed_by}" if r.suppressed_by else "")
        )
        when = r.at.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(
            str(r.id), when, r.bank, r.hash_type, str(r.distance), r.content_ref or "", note
        )
    stdout.print(table)


# --- benchmark ----------------------------------------------------------------------------------


@media_app.command("bench")
def bench_command(
    json_output: JsonFlag = False,
    hashes: Annotated[int, typer.Option(help="Index size for the query test.")] = 1_000_000,
    planted: Annotated[int, typer.Option(help="Planted near-duplicates queried.")] = 1_000,
    memory_hashes: Annotated[
        int, typer.Option(help="Index size for the memory test.")
    ] = 10_000_000,
    images: Annotated[int, typer.Option(help="JPEGs hashed for throughput.")] = 120,
) -> None:
    """Measure query time and recall, index memory and hashing throughput (about a minute)."""
    from safeguarding.benchmarks.media import BenchConfig, run_bench

    config = BenchConfig(
        query_hashes=hashes, planted=planted, memory_hashes=memory_hashes, images=images
    )
    with stderr.status("benchmark") as status:
        result = run_bench(config, lambda message: status.update(message))
    if json_output:
        _emit(result)
        return
    q, m, h = result["query"], result["memory"], result["hashing"]
    table = Table("measure", "value", "target")
    table.add_row(
        f"query, {q['hashes']:,} hashes, d≤{q['max_distance']}",
        f"mean {q['query_ms_mean']} ms, p99 {q['query_ms_p99']} ms",
        "≤ 1 ms",
    )
    table.add_row("planted near-duplicates found", f"{q['recall']:.4f} of {q['planted']}", "all")
    table.add_row(
        f"index memory, {m['hashes']:,} hashes",
        f"{m['index_gib']} GiB exact, RSS +{m['rss_delta_gib']} GiB",
        "≤ 2 GB",
    )
    table.add_row(
        "hashing 1024×768 JPEG, one core",
        f"{h['images_per_s']} images/s (full decode {h['images_per_s_full_decode']})",
        "≥ 80/s",
    )
    stdout.print(table)
