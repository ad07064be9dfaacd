"""Storage stage: SQLAlchemy models, shipped Alembic migrations and the repository.

Everything above this package talks to :class:`Repository` only; SQLite (embedded default)
and PostgreSQL (production) are chosen by one URL.
"""

from safeguarding.storage.db import DEFAULT_DB_URL, is_sqlite, make_engine, normalise_url
from safeguarding.storage.repository import DuplicateEventError, Repository, parse_api_key

__all__ = [
    "DEFAULT_DB_URL",
    "DuplicateEventError",
    "Repository",
    "is_sqlite",
    "make_engine",
    "normalise_url",
    "parse_api_key",
]
