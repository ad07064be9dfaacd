"""Optional video frame sampling with PyAV: PDQ of about one frame a second, like vPDQ.

PyAV ships FFmpeg in its wheel; it is an optional dependency (``pip install av``). Without it
videos still get their exact hashes (MD5, SHA-256), which is what video hash lists mostly hold.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from typing import Any

from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.hashes import ContentHash


@dataclass(slots=True)
class SampledVideo:
    hashes: list[ContentHash]
    width: int | None
    height: int | None
    frames: int


def available() -> bool:
    return importlib.util.find_spec("av") is not None


def sample_frame_hashes(data: bytes, *, max_frames: int, source: str | None) -> SampledVideo:
    import av  # optional dependency

    from safeguarding.signals.media.hashing import pdq_of_array

    try:
        container: Any = av.open(io.BytesIO(data))
    except Exception as exc:  # PyAV raises its own error family for every bad input
        raise MediaError(f"corrupt or unsupported video: {exc}", source=source) from exc
    hashes: list[ContentHash] = []
    seen: set[str] = set()
    decoded = 0
    width = height = None
    next_second = 0.0
    try:
        for frame in container.decode(video=0):
            decoded += 1
            seconds = float(frame.time or 0.0)
            if seconds < next_second:
                continue
            next_second = seconds + 1.0
            width, height = frame.width, frame.height
            digest = pdq_of_array(frame.to_ndarray(format="rgb24"), frame=decoded - 1)
            if digest.value not in seen:
                seen.add(digest.value)
                hashes.append(digest)
            if len(hashes) >= max_frames:
                break
    except Exception as exc:
        raise MediaError(f"corrupt video stream: {exc}", source=source) from exc
    finally:
        container.close()
    return SampledVideo(hashes, width, height, decoded)
