"""A small client of the CyberTipline Reporting API (``/submit``, ``/upload``, ``/fileinfo``,
``/finish``, ``/retract``, ``/status``) over HTTP Basic auth.

Transport errors, 429 and 5xx answers are retried with exponential backoff; an answer with a
non-zero ``responseCode`` is raised at once as :class:`AuthorityError` with NCMEC's code and
description (4100 is an element out of the schema's sequence).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import httpx

from safeguarding.reports.errors import AuthorityError

Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class NcmecAnswer:
    code: str
    description: str
    report_id: str | None = None
    file_id: str | None = None
    file_ids: tuple[str, ...] = field(default_factory=tuple)


def parse_answer(body: bytes) -> NcmecAnswer:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise AuthorityError(
            "bad_answer", f"NCMEC answered something that is not XML ({exc})"
        ) from exc
    return NcmecAnswer(
        code=(root.findtext("responseCode") or "").strip(),
        description=(root.findtext("responseDescription") or "").strip(),
        report_id=(root.findtext("reportId") or "").strip() or None,
        file_id=(root.findtext("fileId") or "").strip() or None,
        file_ids=tuple((e.text or "").strip() for e in root.iter("fileId")),
    )


class CyberTiplineClient:
    """One authenticated session against a CyberTipline base URL (the test environment's by
    default, ``https://exttest.cybertip.org/ispws``)."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 30.0,
        attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(username, password),
            timeout=timeout_s,
            transport=transport,
        )
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CyberTiplineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, step: str, method: str, path: str, **kwargs: object) -> NcmecAnswer:
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                delay = self.backoff_s * 2 ** (attempt - 1)
                self._sleep(delay * (0.5 + random.random() / 2))
            try:
                response = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                last = AuthorityError("transport", f"{step}: {type(exc).__name__}")
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = AuthorityError(
                    f"http_{response.status_code}", f"{step}: NCMEC is unavailable"
                )
                continue
            if response.status_code in (401, 403):
                raise AuthorityError(
                    f"http_{response.status_code}", f"{step}: NCMEC refused the credentials"
                )
            answer = parse_answer(response.content)
            if response.status_code >= 400 or answer.code != "0":
                raise AuthorityError(
                    answer.code or f"http_{response.status_code}",
                    f"{step}: {answer.description or 'refused'}",
                )
            return answer
        assert last is not None
        raise last

    def status(self) -> NcmecAnswer:
        return self._call("status", "GET", "/status")

    def submit(self, report_xml: bytes) -> str:
        answer = self._call(
            "submit",
            "POST",
            "/submit",
            content=report_xml,
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
        if not answer.report_id:
            raise AuthorityError("bad_answer", "submit: no reportId in NCMEC's answer")
        return answer.report_id

    def upload(self, report_id: str, name: str, content: bytes) -> str:
        answer = self._call(
            "upload", "POST", "/upload", data={"id": report_id}, files={"file": (name, content)}
        )
        if not answer.file_id:
            raise AuthorityError("bad_answer", "upload: no fileId in NCMEC's answer")
        return answer.file_id

    def fileinfo(self, details_xml: bytes) -> None:
        self._call(
            "fileinfo",
            "POST",
            "/fileinfo",
            content=details_xml,
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def finish(self, report_id: str) -> tuple[str, ...]:
        return self._call("finish", "POST", "/finish", data={"id": report_id}).file_ids

    def retract(self, report_id: str) -> None:
        self._call("retract", "POST", "/retract", data={"id": report_id})
