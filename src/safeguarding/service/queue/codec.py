"""The bytes of one queued event: tenant, event as sent, and when the API accepted it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from safeguarding.service.events import AnyEvent

_EVENT: TypeAdapter[Any] = TypeAdapter(AnyEvent)


class PoisonMessage(ValueError):
    """A queued message that cannot be decoded (its reason never quotes the payload)."""


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    tenant: str
    event: AnyEvent
    accepted_at: float  # Unix seconds, the API's clock


def encode(tenant: str, event: AnyEvent, accepted_at: float) -> bytes:
    return orjson.dumps({"t": tenant, "a": accepted_at, "e": event.model_dump(mode="json")})


def decode(data: bytes) -> QueuedEvent:
    try:
        raw = orjson.loads(data)
        tenant, accepted, body = raw["t"], raw["a"], raw["e"]
        if not isinstance(tenant, str) or not isinstance(accepted, int | float):
            raise PoisonMessage("envelope fields of the wrong type")
        event: AnyEvent = _EVENT.validate_python(body)
    except PoisonMessage:
        raise
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise PoisonMessage(f"undecodable envelope ({type(exc).__name__})") from None
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"][:2]) for e in exc.errors()})[:5]
        raise PoisonMessage(f"invalid event ({', '.join(fields)})") from None
    return QueuedEvent(tenant, event, float(accepted))
