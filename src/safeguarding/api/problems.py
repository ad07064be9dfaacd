"""RFC 9457 problem details (``application/problem+json``) for every error the API returns."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeguarding.service.logs import scrubbed_traceback
from safeguarding.service.problems import ProblemError

PROBLEM_JSON = "application/problem+json"
M = TypeVar("M", bound=BaseModel)
_NOT_JSON = "The request body must be a JSON object (Content-Type: application/json)."
log = logging.getLogger("safeguarding.api")

PROBLEM_SCHEMA: dict[str, Any] = {
    "description": "An RFC 9457 problem",
    "content": {
        PROBLEM_JSON: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
                "required": ["title", "status", "detail"],
            }
        }
    },
}


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _loc_part(part: Any) -> str:
    """A location step as sent back: indices and field names; any other key (an unknown
    key is the client's input, and may be anything) is withheld."""
    text = str(part)
    return text if isinstance(part, int) or _FIELD_NAME.match(text) else "<key>"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the input back (no ``input``, no ``ctx``): it may contain message text.
    return [
        {
            "loc": [_loc_part(p) for p in err.get("loc", ())],
            "msg": err.get("msg"),
            "type": err.get("type"),
        }
        for err in exc.errors()[:50]
    ]


async def json_body(request: Request, model: type[M]) -> M:
    """The request body as ``model``, for routes that read it themselves: unparsable or too
    deeply nested JSON is a 400, a wrong shape a 422 through the validation handler (which
    never echoes the input)."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProblemError(400, "Invalid JSON", _NOT_JSON) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_context=False, include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        headers = exc.extra.pop("headers", None)
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            type_=exc.type,
            headers=headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        body_not_object = any(
            e["loc"] == ["body"] and e["type"] == "model_attributes_type" for e in errors
        )
        if body_not_object or any(e["type"] == "json_invalid" for e in errors):
            return problem_response(
                400,
                "Invalid JSON",
                _NOT_JSON,
                instance=request.url.path,
                errors=errors,
            )
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"])
        return problem_response(
            422,
            "Invalid request",
            f"{where}: {first['msg']}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Bad request",
            401: "Unauthorized",
            404: "Not found",
            405: "Method not allowed",
        }
        return problem_response(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Scrubbed here, not left to the formatter: whatever handler an operator installs,
        # no exception message (which may quote message text) reaches it.
        log.error(
            "unhandled error",
            extra={
                "path": request.url.path,
                "error": type(exc).__qualname__,
                "exc": scrubbed_traceback(exc),
            },
        )
        return problem_response(
            500,
            "Internal error",
            "The server failed; nothing was acknowledged.",
            instance=request.url.path,
        )
