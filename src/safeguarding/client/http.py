"""Sync and async clients for the Safeguarding HTTP API, with retries.

Retrying ``POST /v1/events`` is safe because ingest is idempotent by event id: a batch that
timed out after the server committed it is answered from storage the second time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class ApiError(Exception):
    """The API answered with an error (its RFC 9457 problem is in ``problem``)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ApiError):
        return exc.status in RETRY_STATUS
    return isinstance(exc, httpx.TransportError)


def _raise_for_problem(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase, "detail": response.text[:500]}
    raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})


def _params(**kwargs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _segment(value: str) -> str:
    """An id as one URL path segment: every reserved character percent-encoded ("/", "?",
    "#", "%", spaces), and dots too, so "." and ".." are not taken for relative paths."""
    return quote(value, safe="").replace(".", "%2E")


def _events(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"events": [dict(e) for e in events]}


class _Base:
    def __init__(
        self, base_url: str, api_key: str, *, timeout: float = 10.0, retries: int = 5
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.timeout = timeout
        self.retries = retries

    def _retry_kwargs(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.retries),
            "wait": wait_random_exponential(multiplier=0.2, max=5.0),
            "retry": retry_if_exception(_retryable),
            "reraise": True,
        }


class SafeguardingClient(_Base):
    """Blocking client. Use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout=timeout, retries=retries)
        self._http = httpx.Client(
            base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> SafeguardingClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in Retrying(**self._retry_kwargs()):
            with attempt:
                response = self._http.request(method, path, **kwargs)
                _raise_for_problem(response)
                return response.json()
        raise AssertionError("unreachable")  # pragma: no cover

    def send_events(self, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Ingest a batch; returns the results and the assessments that changed."""
        result: dict[str, Any] = self._request("POST", "/v1/events", json=_events(events))
        return result

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request(
            "GET", f"/v1/conversations/{_segment(conversation_id)}/assessment"
        )
        return result

    def account(self, account_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request(
            "GET", f"/v1/accounts/{_segment(account_id)}/assessment"
        )
        return result

    def alerts(
        self,
        *,
        level: str | None = None,
        min_level: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str = "open",
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """One page of alerts (``items`` and ``next_cursor``)."""
        params = _params(
            level=level,
            min_level=min_level,
            since=since,
            until=until,
            status=status,
            limit=limit,
            cursor=cursor,
        )
        result: dict[str, Any] = self._request("GET", "/v1/alerts", params=params)
        return result

    def iter_alerts(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every alert matching the filters, following ``next_cursor``."""
        cursor = None
        while True:
            page = self.alerts(cursor=cursor, **filters)
            yield from page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return


class AsyncSafeguardingClient(_Base):
    """Asyncio client with the same methods as :class:`SafeguardingClient`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout=timeout, retries=retries)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self.headers,
            timeout=timeout,
            transport=transport,
            limits=limits or httpx.Limits(max_connections=100),
        )

    async def __aenter__(self) -> AsyncSafeguardingClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async for attempt in AsyncRetrying(**self._retry_kwargs()):
            with attempt:
                response = await self._http.request(method, path, **kwargs)
                _raise_for_problem(response)
                return response.json()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send_events(self, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = await self._request("POST", "/v1/events", json=_events(events))
        return result

    async def conversation(self, conversation_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._request(
            "GET", f"/v1/conversations/{_segment(conversation_id)}/assessment"
        )
        return result

    async def account(self, account_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._request(
            "GET", f"/v1/accounts/{_segment(account_id)}/assessment"
        )
        return result

    async def alerts(
        self,
        *,
        level: str | None = None,
        min_level: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str = "open",
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        params = _params(
            level=level,
            min_level=min_level,
            since=since,
            until=until,
            status=status,
            limit=limit,
            cursor=cursor,
        )
        result: dict[str, Any] = await self._request("GET", "/v1/alerts", params=params)
        return result
