"""A JSON response rendered with orjson (the ingest answer is large: every changed
assessment with its evidence), byte-for-byte the compact JSON ``JSONResponse`` would send."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

from safeguarding.storage.db import json_default


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=json_default, option=orjson.OPT_NON_STR_KEYS)
