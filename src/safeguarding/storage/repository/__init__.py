"""The one storage interface every other layer uses (SQLite or PostgreSQL behind it).

:class:`Repository` is one object, assembled from one store per aggregate (tenants and keys,
ingest, conversations and accounts, alerts and actions, the webhook outbox, retention, media
banks, policy versions, reports to authorities, the insight roll-ups, transparency figures;
cases, console users and sessions, the audit chain, evidence bundles), so callers keep a single
interface while each aggregate lives in a module of its own.

Writes are grouped: :meth:`Repository.write_batch` commits the events, messages, engine state,
alerts and outbox rows of one ingest call in a single transaction, so an acknowledged event is
always complete and a failed one leaves nothing behind.
"""

from __future__ import annotations

from safeguarding.storage.repository.alerts import AlertStore
from safeguarding.storage.repository.authority_reports import AuthorityReportStore
from safeguarding.storage.repository.base import (
    DuplicateEventError,
    RepositoryBase,
    UnknownCursorError,
)
from safeguarding.storage.repository.bundles import BundleStore
from safeguarding.storage.repository.cases import CaseStore
from safeguarding.storage.repository.conversations import ConversationStore
from safeguarding.storage.repository.ingest import IngestStore
from safeguarding.storage.repository.insight import InsightStore
from safeguarding.storage.repository.media import MediaStore
from safeguarding.storage.repository.outbox import OutboxStore
from safeguarding.storage.repository.policies import SERVICE_POLICY, PolicyStore
from safeguarding.storage.repository.retention import RetentionStore
from safeguarding.storage.repository.tenants import (
    DEFAULT_SCOPES,
    KEY_PREFIX,
    KNOWN_SCOPES,
    TenantStore,
    parse_api_key,
)
from safeguarding.storage.repository.transparency import TransparencyStore
from safeguarding.storage.repository.users import UserStore

__all__ = [
    "DEFAULT_SCOPES",
    "KEY_PREFIX",
    "KNOWN_SCOPES",
    "SERVICE_POLICY",
    "DuplicateEventError",
    "Repository",
    "RepositoryBase",
    "UnknownCursorError",
    "parse_api_key",
]


class Repository(
    IngestStore,
    ConversationStore,
    AlertStore,
    RetentionStore,
    TenantStore,
    CaseStore,
    UserStore,
    BundleStore,
    OutboxStore,
    MediaStore,
    PolicyStore,
    AuthorityReportStore,
    InsightStore,
    TransparencyStore,
):
    """Storage for the service. Thread-safe; on SQLite, writes are serialised in-process."""
