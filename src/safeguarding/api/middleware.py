"""ASGI middleware: body size limit, request metrics and one JSON log line per request."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguarding.service.metrics import ServiceMetrics

log = logging.getLogger("safeguarding.http")
PROBLEM_JSON = b"application/problem+json"


class ServiceMiddleware:
    """Reject oversized bodies with 413 before any parsing; count and log every request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        metrics: ServiceMetrics,
        media_max_body_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # media uploads (images, videos, bank files) under /v1/media/ may be larger
        self.media_max_body_bytes = media_max_body_bytes or max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        error: str | None = None
        try:
            limit = self._limit(scope)
            body = await self._read_body(scope, receive, limit)
            if body is None:
                await self._too_large(scope, send_wrapper, limit)
            else:
                await self.app(scope, _replay(body, receive), send_wrapper)
        except Exception as exc:
            # The app's 500 handler answers outside this middleware (Starlette's error
            # middleware wraps everything): count and log the failure here, by type only.
            error = type(exc).__qualname__
            status["code"] = 500
            raise
        finally:
            self._record(scope, status["code"], time.perf_counter() - start, error)

    def _record(self, scope: Scope, status: int, elapsed: float, error: str | None) -> None:
        route = scope.get("route")
        route_path = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(scope["method"], route_path, str(status)).inc()
        if route_path == "/v1/events" and scope["method"] == "POST" and status < 300:
            self.metrics.ingest_latency.observe(elapsed)
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": route_path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "tenant_id": scope.get("state", {}).get("tenant_id"),
        }
        if error is not None:
            self.metrics.server_errors.labels(route_path, error).inc()
            log.error("request", extra=fields | {"error": error})
        else:
            log.info("request", extra=fields)

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        return self.media_max_body_bytes if path.startswith("/v1/media/") else self.max_body_bytes

    async def _read_body(self, scope: Scope, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None when it exceeds the limit (declared or actual)."""
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return None
                except ValueError:
                    pass
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": "Request body too large",
            "status": 413,
            "detail": f"The body exceeds {limit} bytes; send smaller batches.",
            "instance": scope.get("path", ""),
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (to see disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
