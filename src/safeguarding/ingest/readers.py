"""Pick the reader for a corpus path by its suffix."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from safeguarding.domain import Conversation
from safeguarding.ingest.errors import CorpusError
from safeguarding.ingest.jsonl import read_jsonl
from safeguarding.ingest.pan2012 import read_pan2012


def read_corpus(
    path: str | Path, errors: list[CorpusError] | None = None
) -> Iterator[Conversation]:
    """Read a ``.jsonl`` (DATASPEC) or ``.xml`` (PAN 2012) corpus; a directory reads all of them."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix in {".jsonl", ".xml"}:
                yield from read_corpus(child, errors)
        return
    if not path.exists():
        raise CorpusError(str(path), None, "no such file")
    if path.suffix == ".xml":
        yield from read_pan2012(path)
    else:
        yield from read_jsonl(path, errors)


def read_corpora(
    paths: Iterable[str | Path], errors: list[CorpusError] | None = None
) -> Iterator[Conversation]:
    for p in paths:
        yield from read_corpus(p, errors)
