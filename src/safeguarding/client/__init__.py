"""Python client for platforms: send events, read assessments, verify webhooks.

Only ``httpx`` and ``tenacity`` are needed; nothing here imports the engine or the server.
"""

from safeguarding.client.http import ApiError, AsyncSafeguardingClient, SafeguardingClient
from safeguarding.client.signature import HEADER, SignatureError, sign, verify_signature

__all__ = [
    "HEADER",
    "ApiError",
    "AsyncSafeguardingClient",
    "SafeguardingClient",
    "SignatureError",
    "sign",
    "verify_signature",
]
