from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from case_helpers import pg_template, sqlite_template, sqlite_world, world  # noqa: E402,F401
