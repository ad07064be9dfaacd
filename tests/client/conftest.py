from __future__ import annotations

import sys
from pathlib import Path

# The shared builders live in tests/service_helpers.py (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
