"""Media and URL matching endpoints: hash, match, import banks, list banks and matches.

Every endpoint needs an API key with the ``media`` scope (or ``admin``) and works on the
calling key's tenant only: its banks, its matches (:func:`get_matcher` hands out that tenant's
matcher). Uploaded media is hashed in memory and dropped: only hashes are kept. An upload is
either the raw body (``Content-Type: application/octet-stream``, ``image/*`` or ``video/*``) or
a multipart field ``file``; both stay in memory (multipart parts are never spooled to a
temporary file). Errors are RFC 9457 problems that never echo the request body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from safeguarding.api.deps import Principal, ServicesDep, require_scope
from safeguarding.api.problems import json_body
from safeguarding.service.problems import ProblemError
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
router = APIRouter(prefix="/v1/media", tags=["media"])
MediaPrincipal = Annotated[Principal, Depends(require_media_access)]
RAW_TYPES = ("application/octet-stream", "image/", "video/")


def get_matcher(principal: MediaPrincipal, services: ServicesDep) -> MediaMatcher:
    """The calling tenant's matcher (its banks only)."""
    return services.media.for_tenant(principal.tenant_id)


Matcher = Annotated[MediaMatcher, Depends(get_matcher)]

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "content_ref": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
        },
    }
}


class HashIn(BaseModel):
    hash_type: str = Field(
        max_length=20, description="pdq, md5, sha1, sha256 or url (ThreatExchange names too)"
    )
    value: str = Field(max_length=2000)
    quality: int | None = Field(default=None, ge=0, le=100)


class MatchRequest(BaseModel):
    """Hashes of one piece of content (or typed hashes such as ``pdq:HEX``) and/or URLs."""

    hashes: list[HashIn] = Field(default_factory=list, max_length=1000)
    hash_literals: list[str] = Field(default_factory=list, max_length=1000)
    urls: list[str] = Field(default_factory=list, max_length=1000)
    text: str | None = Field(default=None, max_length=100_000, description="chat text to scan")
    content_ref: str | None = Field(default=None, max_length=1000)


class BankUpdate(BaseModel):
    enabled: bool | None = None
    threshold: int | None = Field(default=None, ge=0, le=128)
    negative: bool | None = None
    dihedral: bool | None = Field(default=None, description="match flips and rotations too")


def _unprocessable(exc: Exception) -> ProblemError:
    return ProblemError(422, "Unprocessable media or hash", str(exc))


class _InMemoryMultiPartParser(MultiPartParser):
    """Starlette's parser with file parts kept in memory up to the upload limit (its default
    spools parts over 1 MiB to a temporary file on disk)."""

    spool_max_size = MAX_FILE_BYTES + 1


async def _upload(request: Request) -> tuple[bytes, str | None]:
    """The uploaded bytes and the caller's reference (multipart ``content_ref`` or filename)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(RAW_TYPES):
        data = await request.body()
        ref = request.query_params.get("content_ref")
    elif content_type.startswith("multipart/form-data"):
        form = await _form(request)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise ProblemError(422, "Invalid request", "multipart field 'file' is required")
            data = await upload.read(MAX_FILE_BYTES + 1)
            ref_field = form.get("content_ref")
            ref = ref_field if isinstance(ref_field, str) and ref_field else upload.filename
        finally:
            await form.close()
    else:
        raise ProblemError(
            415,
            "Unsupported media type",
            "Send the file as the body (application/octet-stream, image/*, video/*) or as the "
            "multipart field 'file'.",
        )
    if len(data) > MAX_FILE_BYTES:
        raise ProblemError(413, "Upload too large", f"upload over {MAX_FILE_BYTES} bytes")
    if ref is not None and len(ref) > 1000:
        raise ProblemError(422, "Invalid request", "content_ref is longer than 1000 characters")
    return data, ref


async def _form(request: Request) -> FormData:
    parser = _InMemoryMultiPartParser(request.headers, request.stream(), max_files=1, max_fields=4)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise ProblemError(400, "Invalid multipart body", exc.message) from exc


@router.post("/hash", openapi_extra=_UPLOAD_BODY)
async def hash_upload(request: Request, matcher: Matcher) -> dict[str, Any]:
    """Hashes (PDQ with quality, MD5, SHA-1, SHA-256) of an uploaded file."""
    data, ref = await _upload(request)
    try:
        return (await run_in_threadpool(matcher.hash_bytes, data, ref)).to_dict()
    except MediaError as exc:
        raise _unprocessable(exc) from exc


@router.post("/match", openapi_extra=_UPLOAD_BODY)
async def match(request: Request, matcher: Matcher) -> dict[str, Any]:
    """Match an uploaded file, or a JSON :class:`MatchRequest` of hashes, URLs and text."""
    content_type = request.headers.get("content-type", "")
    try:
        if not content_type.startswith("application/json"):
            data, ref = await _upload(request)
            return (await run_in_threadpool(matcher.match_bytes, data, ref)).to_dict()
        body = await json_body(request, MatchRequest)
        return await run_in_threadpool(_match_json, matcher, body)
    except (MediaError, BankError) as exc:
        raise _unprocessable(exc) from exc


def _match_json(matcher: MediaMatcher, body: MatchRequest) -> dict[str, Any]:
    """Hashes, URLs and chat text of a JSON match request (database work: off the loop)."""
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


@router.post("/banks/{name}/import", openapi_extra=_UPLOAD_BODY)
async def import_bank(
    name: str,
    request: Request,
    matcher: Matcher,
    fmt: Annotated[BankFormat, Query(alias="format")] = BankFormat.AUTO,
    threshold: Annotated[int | None, Query(ge=0, le=128)] = None,
    negative: bool | None = None,
    dihedral: bool | None = None,
) -> dict[str, Any]:
    """Import a bank file; bad lines come back with their line numbers, the rest imports."""
    data, _ = await _upload(request)
    text = data.decode("utf-8-sig", errors="replace")
    try:
        report = await run_in_threadpool(
            matcher.import_bank,
            name,
            text.splitlines(),
            fmt=fmt,
            threshold=threshold,
            negative=negative,
            dihedral=dihedral,
        )
    except (BankError, MediaError) as exc:
        raise _unprocessable(exc) from exc
    return report.to_dict()


@router.get("/banks")
def list_banks(matcher: Matcher) -> list[dict[str, Any]]:
    return [b.to_dict() for b in matcher.banks()]


@router.patch("/banks/{name}")
def update_bank(name: str, update: BankUpdate, matcher: Matcher) -> dict[str, Any]:
    """Enable/disable a bank, change its PDQ threshold, whether it is negative or matches
    flipped and rotated copies."""
    try:
        bank = matcher.update_bank(
            name,
            enabled=update.enabled,
            threshold=update.threshold,
            negative=update.negative,
            dihedral=update.dihedral,
        )
    except BankError as exc:
        raise ProblemError(404, "Not found", f"no bank named {name!r}") from exc
    return bank.to_dict()


@router.get("/matches")
def list_matches(
    matcher: Matcher,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    bank: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Recorded matches of the calling tenant, newest first (hashes and references only)."""
    return [m.to_dict() for m in matcher.matches(limit=limit, bank=bank)]


@router.get("/quarantined")
def list_quarantined(matcher: Matcher) -> list[dict[str, Any]]:
    """The calling tenant's quarantined bank hashes, awaiting a person's decision."""
    return [
        {
            "entry_id": e.id,
            "bank": e.bank,
            "hash_type": e.hash_type,
            "value": e.value,
            "reason": e.reason,
        }
        for e in matcher.quarantined()
    ]


__all__ = ["get_matcher", "require_media_access", "router"]
