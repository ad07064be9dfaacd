"""Python client for platforms: send events, read assessments, verify webhooks."""

from safeguarding.client.signature import HEADER, SignatureError, sign, verify_signature

__all__ = ["HEADER", "SignatureError", "sign", "verify_signature"]
