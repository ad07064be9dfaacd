"""Safeguarding: detect grooming risk in conversations early, act on it, and report it."""

__version__ = "0.1.0"
