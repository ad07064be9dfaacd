"""Wire schema of ingested events (``POST /v1/events``); unknown fields are rejected."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

Id = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]
# Timestamps a platform can mean: beyond these, adding a policy window or converting to UTC
# overflows Python's datetime (year 1 or 9999 with an offset).
TS_MIN = datetime(1900, 1, 1, tzinfo=UTC)
TS_MAX = datetime(9000, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    """Refuse timestamps outside [``TS_MIN``, ``TS_MAX``); the value itself is kept (its
    offset is part of the event digest). The message names the range, not the input."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not TS_MIN <= utc < TS_MAX:
        raise ValueError("timestamp out of range (1900-01-01 to 8999-12-31, UTC)")
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_in_range)]
AgeBand = Literal["under_13", "13_15", "16_17", "18_plus"]
MAX_TEXT_CHARS = 10_000

# Lower bound of each band: an account in "13_15" may be 13, so age rules treat it as 13.
AGE_BAND_FLOOR: dict[str, int] = {"under_13": 12, "13_15": 13, "16_17": 16, "18_plus": 18}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MediaRef(_Strict):
    """A reference to media sent with a message (never the media itself)."""

    kind: Literal["image", "video", "audio", "file", "link"]
    ref: Annotated[StrictStr, StringConstraints(min_length=1, max_length=2000)]
    sha256: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    pdq: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class MessageEvent(_Strict):
    """One chat message."""

    type: Literal["message"]
    id: Id = Field(description="Event id; a retried event with the same id is stored once.")
    conversation_id: Id
    message_id: Id
    sender: Id
    recipients: list[Id] = Field(default_factory=list, max_length=100)
    ts: Timestamp
    text: Annotated[StrictStr, StringConstraints(max_length=MAX_TEXT_CHARS)]
    media: list[MediaRef] = Field(default_factory=list, max_length=20)
    platform: Id | None = None
    locale: Annotated[StrictStr, StringConstraints(max_length=35)] | None = None


class AccountEvent(_Strict):
    """Facts about an account: declared age or band, verified age, creation time, and the
    guardian account the platform linked to it (for ``notify_guardian``)."""

    # Added after account events were first stored: left out of the digest while unset, so
    # a retried event stored before they existed still matches its stored digest.
    digest_optional: ClassVar[tuple[str, ...]] = ("guardian_id", "unlink_guardian")

    type: Literal["account"]
    id: Id
    account_id: Id
    declared_age: Annotated[StrictInt, Field(ge=0, le=130)] | None = None
    age_band: AgeBand | None = None
    verified_age: Annotated[StrictInt, Field(ge=0, le=130)] | None = None
    created_at: Timestamp | None = None
    ts: Timestamp | None = None
    guardian_id: Id | None = Field(
        default=None,
        description="Link this guardian account to the account (replaces an earlier link); "
        "never the account itself. Omitted: the link is unchanged.",
    )
    unlink_guardian: StrictBool = Field(
        default=False,
        description="Remove the account's guardian link; not together with guardian_id.",
    )

    @model_validator(mode="after")
    def _guardian_link(self) -> AccountEvent:
        # Messages name fields only, never the ids sent: errors never echo input.
        if self.guardian_id is not None and self.guardian_id == self.account_id:
            raise ValueError("guardian_id must be another account, not the account itself")
        if self.guardian_id is not None and self.unlink_guardian:
            raise ValueError("guardian_id and unlink_guardian cannot be sent together")
        return self


class ConnectionEvent(_Strict):
    """Two accounts became (or stopped being) contacts."""

    type: Literal["connection"]
    id: Id
    account_id: Id
    other_account_id: Id
    change: Literal["added", "removed"]
    ts: Timestamp


class ReportEvent(_Strict):
    """A user's report, e.g. "this person made me uncomfortable"."""

    # Added after report events were first stored: left out of the digest while unset, so
    # a retried event stored before it existed still matches its stored digest.
    digest_optional: ClassVar[tuple[str, ...]] = ("reporter_type",)

    type: Literal["report"]
    id: Id
    reporter_id: Id
    reported_id: Id
    conversation_id: Id | None = None
    reason: Literal["uncomfortable", "sexual_content", "asked_for_images", "threat", "other"] = (
        "uncomfortable"
    )
    comment: Annotated[StrictStr, StringConstraints(max_length=2000)] | None = None
    ts: Timestamp
    reporter_type: Literal["user", "trusted_flagger"] = Field(
        default="user",
        description="`trusted_flagger` when the platform forwards a notice from an entity "
        "awarded trusted flagger status (DSA Art. 22); counted apart in transparency reports",
    )


AnyEvent = Annotated[
    MessageEvent | AccountEvent | ConnectionEvent | ReportEvent, Field(discriminator="type")
]


class EventBatch(_Strict):
    """A batch of events, processed in order."""

    events: list[AnyEvent] = Field(min_length=1, max_length=500)


def event_digest(event: BaseModel) -> str:
    """A stable fingerprint of an event, to tell a retry from a reused id."""
    data = event.model_dump(mode="json")
    for name in getattr(event, "digest_optional", ()):
        if data.get(name) == type(event).model_fields[name].default:
            del data[name]
    # orjson writes the same bytes as the json.dumps below when the output is plain ASCII
    # (json.dumps escapes everything from DEL up); anything else takes the slow path, so a
    # digest never changes between versions.
    fast: bytes | None
    try:
        fast = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        fast = None
    if fast is not None and fast.isascii() and b"\x7f" not in fast:
        return hashlib.sha256(fast).hexdigest()
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
