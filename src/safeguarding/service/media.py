"""One media matcher per tenant, over that tenant's banks in the service database.

A tenant's matcher (and its in-memory PDQ index) is built on first use from the database and
kept; it rebuilds itself when another process (the CLI, another worker) changed the tenant's
banks. No tenant's matcher ever sees another tenant's banks or matches.
"""

from __future__ import annotations

import threading
from typing import Any

from safeguarding.signals.media import MediaMatcher
from safeguarding.storage.repository import Repository


class MediaMatchers:
    """The per-tenant matchers of one process."""

    def __init__(self, repo: Repository, **matcher_options: Any) -> None:
        self.repo = repo
        self.matcher_options = matcher_options
        self._matchers: dict[str, MediaMatcher] = {}
        self._lock = threading.Lock()

    def for_tenant(self, tenant_id: str) -> MediaMatcher:
        with self._lock:
            matcher = self._matchers.get(tenant_id)
            if matcher is None:
                matcher = MediaMatcher(self.repo.media(tenant_id), **self.matcher_options)
                self._matchers[tenant_id] = matcher
            return matcher
