"""Readers that turn corpora into :class:`~safeguarding.domain.Conversation` objects."""

from safeguarding.ingest.errors import CorpusError
from safeguarding.ingest.jsonl import read_jsonl
from safeguarding.ingest.pan2012 import read_pan2012
from safeguarding.ingest.readers import read_corpora, read_corpus

__all__ = ["CorpusError", "read_jsonl", "read_pan2012", "read_corpus", "read_corpora"]
