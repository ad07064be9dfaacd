"""Video frame sampling with PyAV: PDQ of about one frame a second plus scene changes.

PyAV ships FFmpeg in its wheel; it is an optional dependency (``pip install
'safeguarding[video]'``, i.e. ``av``). Without it videos still get their exact hashes (MD5,
SHA-256), which is what video hash lists mostly hold.

Sampling (what :func:`sample_frame_hashes` hashes):

* every decoded frame is looked at; a frame is sampled when it is the first at or after the
  next point of a grid of ``interval`` seconds from the first frame (1 s; for a video longer
  than ``max_frames`` seconds the interval is stretched to ``duration / max_frames`` so the
  samples cover the whole video), or when it starts a new scene (mean absolute difference of
  16×16 grey thumbnails of consecutive frames above :data:`SCENE_CUT`, at least
  :data:`MIN_SCENE_GAP` seconds after the previous sample);
* each sampled frame is scaled to at most :data:`HASH_SIDE` pixels on its long side (PDQ
  reduces to 64×64 anyway; this keeps the hash independent of the encoded resolution) and
  PDQ-hashed with its quality; repeated hashes are kept once;
* at most ``4 × max_frames`` frames are hashed, then evenly thinned to ``max_frames``;
  decoding stops after :data:`MAX_DECODED_FRAMES` frames (noted in the result).

The frame number of each hash is the 0-based index of the decoded frame. How the matcher
decides that a *video* matches is in :mod:`.matcher` (``min_video_frames``).
"""

from __future__ import annotations

import importlib.util
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.hashes import ContentHash

SAMPLE_SECONDS = 1.0
SCENE_CUT = 0.12  # mean |Δ| of 16×16 grey thumbnails, as a fraction of 255
MIN_SCENE_GAP = 0.25  # seconds between a scene-change sample and the sample before it
HASH_SIDE = 512
MAX_DECODED_FRAMES = 100_000  # ~55 min at 30 fps; a bound on work for hostile input
_THUMB = 16

# container signature → FFmpeg demuxer. The demuxer is named, never probed, so a crafted file
# cannot select a playlist or concat demuxer that would open other files or URLs.
_DEMUXERS: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "mp4"),
    (0, b"\x1a\x45\xdf\xa3", "matroska"),
    (8, b"AVI ", "avi"),
    (0, b"FLV", "flv"),
)


@dataclass(slots=True)
class SampledVideo:
    hashes: list[ContentHash]
    width: int | None
    height: int | None
    frames: int  # frames decoded
    duration: float | None = None  # seconds, as the container declares it
    notes: list[str] = field(default_factory=list)


def available() -> bool:
    return importlib.util.find_spec("av") is not None


def demuxer_for(data: bytes) -> str | None:
    for offset, magic, name in _DEMUXERS:
        if data[offset : offset + len(magic)] == magic:
            return name
    return None


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text)


def _hash_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, HASH_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _thin(hashes: list[ContentHash], limit: int) -> list[ContentHash]:
    if len(hashes) <= limit:
        return hashes
    if limit <= 1:
        return hashes[:limit]
    picks = sorted({round(i * (len(hashes) - 1) / (limit - 1)) for i in range(limit)})
    return [hashes[i] for i in picks]


def sample_frame_hashes(
    data: bytes,
    *,
    max_frames: int,
    source: str | None,
    max_pixels: int | None = None,
) -> SampledVideo:
    """PDQ hashes (with quality) of sampled frames; see the module docstring for the rule.

    Raises :class:`MediaError` for a file FFmpeg cannot open (corrupt, truncated MP4 without
    its index, unsupported), without a video stream, over ``max_pixels`` a frame, or with no
    decodable frame. A stream that breaks off part-way keeps the frames decoded before the
    break, with a note: a cut-short copy of a listed video should still match.
    """
    import av  # optional dependency

    from safeguarding.signals.media.hashing import pdq_of_array

    try:
        container: Any = av.open(io.BytesIO(data), mode="r", format=demuxer_for(data))
    except Exception as exc:  # PyAV raises its own error family for every bad input
        raise MediaError(
            f"corrupt, truncated or unsupported video: {_reason(exc)}", source=source
        ) from exc
    try:
        if not container.streams.video:
            raise MediaError("video file has no video stream", source=source)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = int(stream.width or 0), int(stream.height or 0)
        if max_pixels is not None and width * height > max_pixels:
            raise MediaError(
                f"video frames are {width}x{height} = {width * height} pixels, over the "
                f"{max_pixels}-pixel limit",
                source=source,
            )
        duration = float(container.duration) / 1_000_000 if container.duration else None
        interval = SAMPLE_SECONDS
        if duration is not None and duration / interval > max_frames:
            interval = duration / max_frames
        rate = float(stream.average_rate) if stream.average_rate else 25.0
        hard_cap = 4 * max_frames
        hashes: list[ContentHash] = []
        seen: set[str] = set()
        notes: list[str] = []
        decoded = 0
        first_time: float | None = None
        next_due = 0.0
        last_sample = -math.inf
        last_time = 0.0
        previous: np.ndarray | None = None
        broken: str | None = None
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except Exception as exc:  # a damaged packet: keep what was decoded before it
                broken = _reason(exc)
                break
            if decoded >= MAX_DECODED_FRAMES:
                notes.append(f"decoding stopped after {MAX_DECODED_FRAMES} frames")
                break
            index = decoded
            decoded += 1
            seconds = float(frame.time) if frame.time is not None else index / rate
            if first_time is None:
                first_time = seconds
            seconds -= first_time
            last_time = seconds
            thumb = frame.to_ndarray(width=_THUMB, height=_THUMB, format="gray").astype(np.int16)
            cut = (
                previous is not None
                and float(np.abs(thumb - previous).mean()) > SCENE_CUT * 255
                and seconds - last_sample >= MIN_SCENE_GAP
            )
            previous = thumb
            due = seconds >= next_due - 1e-6
            if not (due or cut):
                continue
            if due:
                next_due = (math.floor(seconds / interval + 1e-6) + 1) * interval
            last_sample = seconds
            w, h = _hash_size(frame.width, frame.height)
            digest = pdq_of_array(frame.to_ndarray(width=w, height=h, format="rgb24"), index)
            if digest.value not in seen:
                seen.add(digest.value)
                hashes.append(digest)
            if len(hashes) >= hard_cap:
                notes.append(f"sampling stopped at {hard_cap} hashed frames")
                break
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(f"corrupt video stream: {_reason(exc)}", source=source) from exc
    finally:
        container.close()
    if not hashes:
        detail = f": {broken}" if broken else ""
        raise MediaError(f"corrupt or truncated video: no decodable frame{detail}", source=source)
    if broken is not None:
        notes.append(f"stream breaks off after {last_time:.1f} s ({broken}); earlier frames hashed")
    elif duration is not None and last_time < duration - max(2.0, 0.1 * duration):
        notes.append(
            f"frames end at {last_time:.1f} s of the {duration:.1f} s the container declares "
            "(truncated?); earlier frames hashed"
        )
    sampled = len(hashes)
    hashes = _thin(hashes, max_frames)
    notes.insert(
        0,
        f"{len(hashes)} frames PDQ-hashed of {decoded} decoded "
        f"(every {interval:.2f} s + scene changes"
        + (f", thinned from {sampled}" if sampled > len(hashes) else "")
        + ")",
    )
    return SampledVideo(hashes, width or None, height or None, decoded, duration, notes)
