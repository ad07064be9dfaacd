"""The policy in force for each tenant: its own, or the operator's service-wide one.

Each tenant follows the service-wide policy until it sets its own (``PUT /v1/policy``); every
policy set is a new stored version (``policy_versions``), so the history is readable and a
restarted service starts from what was in force. The service-wide policy belongs to the
operator: the ``SAFEGUARDING_POLICY`` file at start, or ``safeguarding policy publish`` (it
stores a new service-wide version, which running services take up within
``policy_refresh_s``). A policy file that is refused at start is reported in one line and the
last good stored service-wide policy is used; with none stored the service does not start.

Thread-safe: the ingest stage reads the policy of a tenant from a dict of immutable values
(no lock); setting, reloading and refreshing replace those values under a lock, never
lowering a version number, so a late refresh cannot undo a newer set.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from safeguarding.policy.loader import (
    PolicyError,
    default_policy_text,
    load_policy,
    parse_policy,
)
from safeguarding.policy.schema import Policy
from safeguarding.storage.records import PolicyVersionRecord
from safeguarding.storage.repository import SERVICE_POLICY, Repository

log = logging.getLogger("safeguarding.policy")

#: How many older stored versions are tried when the latest no longer validates.
_WALK_BACK = 20


class PolicyStartError(RuntimeError):
    """The service cannot start on any policy; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class InForce:
    """A tenant's policy and where it came from."""

    policy: Policy
    version: int | None  # the tenant's stored version in force (None: it never set one)
    follows_service: bool  # the service-wide policy applies
    service_version: int | None  # the service-wide stored version (None: not stored)


@dataclass(frozen=True, slots=True)
class _Own:
    version: int  # the version in force
    policy: Policy | None  # None: this version says "follow the service-wide policy"
    seen: int  # the latest stored version (newer than ``version`` if that one was refused)


def one_line(exc: PolicyError) -> str:
    """A refusal in one line: the first problem and how many more."""
    first = exc.issues[0].format(exc.source) if exc.issues else exc.source
    more = len(exc.issues) - 1
    return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")


class TenantPolicies:
    def __init__(
        self,
        repo: Repository,
        service: Policy,
        *,
        service_version: int | None = None,
        shadow: bool = False,
        refresh_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self.shadow_override = True if shadow else None  # SAFEGUARDING_SHADOW forces shadow
        self.refresh_s = refresh_s
        self._clock = clock
        self._service = service
        self._service_version = service_version
        self._own: dict[str, _Own | None] = {}  # tenant -> its latest version (None: none)
        self._lock = threading.Lock()
        self._next_refresh = clock() + refresh_s

    # --- start ---------------------------------------------------------------------------
    @classmethod
    def start(
        cls, repo: Repository, path: str, *, shadow: bool = False, refresh_s: float = 5.0
    ) -> TenantPolicies:
        """The service-wide policy from ``path`` (or the last one stored, or the bundled
        default), recorded as a service-wide version when it differs from the stored one.

        Raises :class:`PolicyStartError` (one line) when ``path`` is refused and no good
        service-wide policy was stored before.
        """
        stored = repo.policy_version(SERVICE_POLICY)
        text: str | None = None
        source = "default"
        if path:
            try:
                policy = load_policy(path)
                text, source = Path(path).read_text(encoding="utf-8"), f"file:{path}"
            except PolicyError as exc:
                last = _last_good(repo, SERVICE_POLICY, stored)
                if last is None:
                    raise PolicyStartError(
                        f"policy refused: {one_line(exc)}; no earlier good policy is stored "
                        "to start from (check it with `safeguarding policy validate`)"
                    ) from None
                log.error(
                    "policy refused: %s; starting with the last good policy %s "
                    "(service-wide version %d)",
                    one_line(exc),
                    last[1].label,
                    last[0],
                )
                return cls(
                    repo, last[1], service_version=last[0], shadow=shadow, refresh_s=refresh_s
                )
        else:
            last = _last_good(repo, SERVICE_POLICY, stored)
            if last is not None:
                return cls(
                    repo, last[1], service_version=last[0], shadow=shadow, refresh_s=refresh_s
                )
            text = default_policy_text()
            policy = parse_policy(text, source="default_policy.yaml")
        version = stored.version if stored is not None else None
        if stored is None or stored.content_hash != policy.content_hash:
            version = record(repo, SERVICE_POLICY, policy, text, source, "operator").version
        return cls(repo, policy, service_version=version, shadow=shadow, refresh_s=refresh_s)

    # --- reading -------------------------------------------------------------------------
    @property
    def service(self) -> Policy:
        return self._service

    def policy_for(self, tenant: str) -> Policy:
        own = self._own_for(tenant)
        return own.policy if own is not None and own.policy is not None else self._service

    def in_force(self, tenant: str) -> InForce:
        own = self._own_for(tenant)
        follows = own is None or own.policy is None
        return InForce(
            self.policy_for(tenant),
            own.version if own is not None else None,
            follows,
            self._service_version,
        )

    def shadow_for(self, policy: Policy) -> bool:
        return policy.shadow if self.shadow_override is None else self.shadow_override

    def _own_for(self, tenant: str) -> _Own | None:
        if tenant in self._own:
            return self._own[tenant]
        own = self._load(tenant)
        with self._lock:
            if tenant not in self._own:
                self._own[tenant] = own
            return self._own[tenant]

    def _load(self, tenant: str) -> _Own | None:
        latest = self.repo.policy_version(tenant)
        if latest is None:
            return None
        last = _last_good(self.repo, tenant, latest)
        if last is None:
            return _Own(latest.version, None, latest.version)
        return _Own(last[0], last[1], latest.version)

    # --- changing ------------------------------------------------------------------------
    def set(self, tenant: str, text: str, *, created_by: str, source: str = "api") -> InForce:
        """Validate ``text`` and make it the tenant's policy (raises ``PolicyError``, and
        then nothing is written)."""
        policy = parse_policy(text, source="policy")
        stored = record(self.repo, tenant, policy, text, source, created_by)
        self._install(tenant, _Own(stored.version, policy, stored.version))
        log.info("tenant %s: policy %s (version %d)", tenant, policy.label, stored.version)
        return self.in_force(tenant)

    def follow_service(self, tenant: str, *, created_by: str) -> InForce:
        """The tenant follows the service-wide policy again (a version of its own)."""
        stored = self.repo.add_policy_version(
            tenant,
            None,
            name=None,
            declared_version=None,
            content_hash=None,
            source="api",
            created_by=created_by,
        )
        self._install(tenant, _Own(stored.version, None, stored.version))
        return self.in_force(tenant)

    def reload(self, tenant: str) -> InForce:
        """Re-read the tenant's latest stored policy and the service-wide one now (another
        process of the service, or the operator, may have changed them)."""
        self._refresh_service()
        own = self._load(tenant)
        if own is not None:
            self._install(tenant, own)
        return self.in_force(tenant)

    def refresh(self) -> None:
        """Take up versions stored by other processes; one query at most every
        ``refresh_s`` seconds (called by the ingest stage at each batch)."""
        now = self._clock()
        if now < self._next_refresh:
            return
        self._next_refresh = now + self.refresh_s
        latest = self.repo.latest_policy_versions()
        if latest.get(SERVICE_POLICY, 0) > (self._service_version or 0):
            self._refresh_service()
        for tenant, own in list(self._own.items()):
            if latest.get(tenant, 0) > (own.seen if own is not None else 0):
                fresh = self._load(tenant)
                if fresh is not None:
                    self._install(tenant, fresh)

    def _refresh_service(self) -> None:
        stored = self.repo.policy_version(SERVICE_POLICY)
        if stored is None or stored.version <= (self._service_version or 0):
            return
        last = _last_good(self.repo, SERVICE_POLICY, stored)
        with self._lock:
            if last is not None and last[0] > (self._service_version or 0):
                self._service, self._service_version = last[1], last[0]
                log.info("service-wide policy %s (version %d)", last[1].label, last[0])

    def _install(self, tenant: str, own: _Own) -> None:
        with self._lock:
            current = self._own.get(tenant)
            if current is None or own.seen >= current.seen:
                self._own[tenant] = own


def record(
    repo: Repository, tenant: str, policy: Policy, text: str, source: str, created_by: str
) -> PolicyVersionRecord:
    """Store a validated policy as the tenant's (or ``SERVICE_POLICY``'s) next version."""
    return repo.add_policy_version(
        tenant,
        text,
        name=policy.policy,
        declared_version=policy.version,
        content_hash=policy.content_hash,
        source=source,
        created_by=created_by,
    )


def _last_good(
    repo: Repository, tenant: str, latest: PolicyVersionRecord | None
) -> tuple[int, Policy] | None:
    """The newest stored version that still validates, walking back from ``latest``; a
    version that means "follow the service-wide policy" ends the walk (None)."""
    record_ = latest
    for _ in range(_WALK_BACK):
        if record_ is None or record_.text is None:
            return None
        try:
            return record_.version, parse_policy(record_.text, source=f"version {record_.version}")
        except PolicyError as exc:  # stored before the loader grew stricter
            log.error("stored policy of %s refused: %s", tenant, one_line(exc))
        if record_.version <= 1:
            return None
        record_ = repo.policy_version(tenant, record_.version - 1)
    return None


def stored_in_force(repo: Repository, tenant: str | None = None) -> tuple[Policy, str]:
    """What a service on ``repo`` would apply to ``tenant`` (``None``: the service-wide
    policy), read only, with where it comes from: for the operator's CLI."""
    if tenant is not None:
        latest = repo.policy_version(tenant)
        last = _last_good(repo, tenant, latest)
        if last is not None:
            return last[1], f"tenant {tenant} version {last[0]}"
    last = _last_good(repo, SERVICE_POLICY, repo.policy_version(SERVICE_POLICY))
    if last is not None:
        return last[1], f"service-wide version {last[0]}"
    return parse_policy(default_policy_text(), "default_policy.yaml"), "bundled default"
