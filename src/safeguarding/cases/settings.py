"""Console and cases settings, each ``SAFEGUARDING_CONSOLE_<NAME>`` in the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    claim_minutes: int = 15  # a claim expires after this long without a decision
    session_hours: int = 10
    lockout_failures: int = 5  # failed logins in a row before the account locks
    lockout_minutes: int = 15
    break_minutes: int = 45  # time in the child-safety queue before a break reminder
    secure_cookies: bool = True  # Secure flag on cookies (off only for plain-HTTP tests)
    bundle_keys: str = ""  # "id:base64-32-bytes,..." first one encrypts; others decrypt
    bundle_key_file: str = "./var/bundle-keys"  # created when bundle_keys is empty
    routing: str = ""  # YAML routing rules; empty: the packaged defaults
    # Argon2id cost of new password hashes (the defaults of argon2-cffi, RFC 9106's
    # second recommendation); a stored hash keeps the cost it was made with.
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    blur_default: bool = True  # media blurred and greyscale until revealed
    allow_unblur_preference: bool = False  # admin limit: may people turn blurring off?

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> ConsoleSettings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("SAFEGUARDING_CONSOLE_" + f.name.upper())
            if raw is None:
                continue
            kind = type(getattr(cls(), f.name))
            values[f.name] = (
                raw.strip().lower() in ("1", "true", "yes", "on") if kind is bool else kind(raw)
            )
        values.update(overrides)
        return cls(**values)
