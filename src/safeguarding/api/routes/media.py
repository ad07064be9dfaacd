"""Media and URL matching endpoints: hash, match, import banks, list banks and matches.

The matcher comes from :func:`get_matcher` (one per process, over the data directory of
:func:`safeguarding.signals.media.default_data_dir`); tests and the app factory may override
it with ``app.dependency_overrides``. Every endpoint needs an API key with the ``media`` scope
(or ``admin``). Uploaded media is hashed in memory and dropped: only hashes are kept.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field

from safeguarding.api.deps import require_scope
from safeguarding.api.problems import json_body
from safeguarding.signals.media import (
    BankError,
    BankFormat,
    ContentHash,
    MediaError,
    MediaMatcher,
)
from safeguarding.signals.media.hashes import parse_hash_literal, parse_hash_type
from safeguarding.signals.media.hashing import MAX_FILE_BYTES

require_media_access = require_scope("media")
router = APIRouter(prefix="/v1/media", tags=["media"], dependencies=[Depends(require_media_access)])

_matcher: MediaMatcher | None = None
_matcher_lock = threading.Lock()


def get_matcher() -> MediaMatcher:
    """The process-wide matcher, opened on first use."""
    global _matcher
    with _matcher_lock:
        if _matcher is None:
            _matcher = MediaMatcher.open()
        return _matcher


Matcher = Annotated[MediaMatcher, Depends(get_matcher)]


class HashIn(BaseModel):
    hash_type: str = Field(description="pdq, md5, sha256 or url (ThreatExchange names accepted)")
    value: str
    quality: int | None = Field(default=None, ge=0, le=100)


class MatchRequest(BaseModel):
    """Hashes of one piece of content (or typed hashes such as ``pdq:HEX``) and/or URLs."""

    hashes: list[HashIn] = Field(default_factory=list, max_length=1000)
    hash_literals: list[str] = Field(default_factory=list, max_length=1000)
    urls: list[str] = Field(default_factory=list, max_length=1000)
    text: str | None = Field(default=None, max_length=100_000, description="chat text to scan")
    content_ref: str | None = Field(default=None, max_length=1000)


def _bad_request(exc: Exception) -> HTTPException:
    return HTTPException(status_code=422, detail=str(exc))


async def _read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(status_code=413, detail=f"upload over {MAX_FILE_BYTES} bytes")
    return data


@router.post("/hash")
async def hash_upload(matcher: Matcher, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Hashes (PDQ with quality, MD5, SHA-256) of an uploaded file."""
    data = await _read_upload(file)
    try:
        return matcher.hash_bytes(data, source=file.filename).to_dict()
    except MediaError as exc:
        raise _bad_request(exc) from exc


@router.post("/match")
async def match(request: Request, matcher: Matcher) -> dict[str, Any]:
    """Match an uploaded file (multipart field ``file``) or a JSON :class:`MatchRequest`."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(status_code=422, detail="multipart field 'file' is required")
            ref = form.get("content_ref")
            data = await _read_upload(upload)  # type: ignore[arg-type]
            outcome = matcher.match_bytes(data, str(ref) if ref else upload.filename)
            return outcome.to_dict()
        body = await json_body(request, MatchRequest)
        hashes: list[ContentHash] = [
            ContentHash(parse_hash_type(h.hash_type), h.value, h.quality) for h in body.hashes
        ]
        for literal in body.hash_literals:
            hashes.extend(parse_hash_literal(literal))
        result = matcher.match_hashes(hashes, body.content_ref).to_dict()
        url_matches = [matcher.match_url(u, None).to_dict() for u in body.urls]
        if body.text:
            url_matches.extend(
                {"url": hit.found.text, "span": list(hit.found.span), **hit.match.to_dict()}
                for hit in matcher.url_matches(body.text)
            )
        result["urls"] = url_matches
        return result
    except (MediaError, BankError) as exc:
        raise _bad_request(exc) from exc


@router.post("/banks/{name}/import")
async def import_bank(
    name: str,
    matcher: Matcher,
    file: Annotated[UploadFile, File()],
    fmt: Annotated[BankFormat, Query(alias="format")] = BankFormat.AUTO,
    threshold: Annotated[int | None, Query(ge=0, le=128)] = None,
    negative: bool | None = None,
) -> dict[str, Any]:
    """Import a bank file; bad lines come back with their line numbers, the rest imports."""
    data = await _read_upload(file)
    text = data.decode("utf-8-sig", errors="replace")
    try:
        report = matcher.import_bank(
            name, text.splitlines(), fmt=fmt, threshold=threshold, negative=negative
        )
    except (BankError, MediaError) as exc:
        raise _bad_request(exc) from exc
    return report.to_dict()


class BankUpdate(BaseModel):
    enabled: bool | None = None
    threshold: int | None = Field(default=None, ge=0, le=128)
    negative: bool | None = None


@router.get("/banks")
def list_banks(matcher: Matcher) -> list[dict[str, Any]]:
    return [b.to_dict() for b in matcher.banks()]


@router.patch("/banks/{name}")
def update_bank(name: str, update: BankUpdate, matcher: Matcher) -> dict[str, Any]:
    """Enable/disable a bank, change its PDQ threshold or whether it is negative."""
    try:
        bank = matcher.update_bank(
            name, enabled=update.enabled, threshold=update.threshold, negative=update.negative
        )
    except BankError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return bank.to_dict()


@router.get("/matches")
def list_matches(
    matcher: Matcher,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    bank: str | None = None,
) -> list[dict[str, Any]]:
    """Recorded matches, newest first (hashes and references only)."""
    return [m.to_dict() for m in matcher.store.list_matches(limit=limit, bank=bank)]


__all__ = ["get_matcher", "require_media_access", "router"]
