"""Known-abuse media and URL matching (Ofcom ICU C9, C10) as a signal source of the engine.

Hashes media (PDQ, MD5, SHA-256), matches them against named banks imported from hash lists
(NCMEC, IWF, ThreatExchange/HMA exports) and URLs against URL lists, applies HMA-style controls
(per-bank thresholds, flips and rotations, enable/disable, per-hash disable, negative banks,
quarantine of flooding hashes) and turns matches into ``media_match`` / ``url_match`` signals.
Banks live in the service database, one set per tenant (``BankStore``, implemented by
``safeguarding.storage``); only hashes and references are kept, never the media. See
docs/media-matching.md.
"""

from safeguarding.signals.media.banks import BankFormat, ImportReport
from safeguarding.signals.media.errors import BankError, MediaError
from safeguarding.signals.media.hashes import ContentHash, HashType, hamming_hex
from safeguarding.signals.media.hashing import HashResult, MediaHasher
from safeguarding.signals.media.index import PdqIndex
from safeguarding.signals.media.matcher import MediaMatcher
from safeguarding.signals.media.outcome import MatchOutcome, MediaMatch, MediaRef
from safeguarding.signals.media.quarantine import QuarantinePolicy
from safeguarding.signals.media.store import BankStore
from safeguarding.signals.media.urls import canonicalise_url, find_urls

__all__ = [
    "BankError",
    "BankFormat",
    "BankStore",
    "ContentHash",
    "HashResult",
    "HashType",
    "ImportReport",
    "MatchOutcome",
    "MediaError",
    "MediaHasher",
    "MediaMatch",
    "MediaMatcher",
    "MediaRef",
    "PdqIndex",
    "QuarantinePolicy",
    "canonicalise_url",
    "find_urls",
    "hamming_hex",
]
