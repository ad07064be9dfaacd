"""Ids shown to tenants for rows the service creates (alerts, actions, reports, webhook
events): UUIDv7 strings. The tables' integer keys are global (shared by every tenant), so
handing them out would let a tenant count everyone's alerts; a UUIDv7 tells nothing but its
own creation time, and still sorts by it."""

from __future__ import annotations

import os
import threading
import time
import uuid

PUBLIC_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
_MS_MASK = (1 << 48) - 1
_lock = threading.Lock()
_last = [0, 0]  # (milliseconds, counter) of the last id


def new_public_id() -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter (method 1, so
    ids of one process sort in creation order even within a millisecond; it starts at a
    random value each millisecond) and 62 random bits."""
    now = time.time_ns() // 1_000_000 & _MS_MASK
    with _lock:
        ms, counter = _last
        if now > ms:
            ms, counter = now, int.from_bytes(os.urandom(2), "big") & 0x7FF
        elif counter < 0xFFF:
            counter += 1
        else:  # 4096 ids in one millisecond: borrow the next one
            ms, counter = ms + 1, 0
        _last[:] = [ms, counter]
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = ms << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
