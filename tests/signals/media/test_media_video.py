"""Video frame sampling and matching, on videos these tests generate with PyAV.

The videos are synthetic: a smooth colour gradient with a few moving rectangles and ellipses,
a few seconds at 160×120, nothing else. Skipped where PyAV (the ``video`` extra) is missing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw

from safeguarding.signals.media import HashType, MediaError, MediaHasher, MediaMatcher

av = pytest.importorskip("av")

FPS = 12
SIZE = (160, 120)
hasher = MediaHasher()


def _scene(seed: int, count: int, start: int = 0) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    width, height = SIZE
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    background = np.stack(
        [
            127 + 100 * np.sin(2 * np.pi * (rng.uniform(1, 4) * x + rng.uniform(1, 4) * y) + p)
            for p in rng.uniform(0, 2 * np.pi, 3)
        ],
        axis=-1,
    )
    background = background.clip(0, 255).astype(np.uint8)
    shapes = [
        (
            rng.uniform(0.1, 0.9, 2),
            rng.uniform(-0.15, 0.15, 2),
            float(rng.uniform(0.08, 0.25)),
            tuple(int(c) for c in rng.integers(0, 256, 3)),
            bool(rng.integers(0, 2)),
        )
        for _ in range(5)
    ]
    for i in range(start, start + count):
        image = Image.fromarray(background)
        draw = ImageDraw.Draw(image)
        for position, velocity, radius, colour, round_shape in shapes:
            cx, cy = (position + velocity * i / FPS) % 1.0
            box = (
                (cx - radius) * width,
                (cy - radius) * height,
                (cx + radius) * width,
                (cy + radius) * height,
            )
            (draw.ellipse if round_shape else draw.rectangle)(box, fill=colour)
        yield np.asarray(image)


def make_video(
    frames: Iterator[np.ndarray],
    *,
    codec: str = "h264",
    container: str = "mp4",
    size: tuple[int, int] = SIZE,
    bit_rate: int | None = None,
) -> bytes:
    if codec == "h264" and "libx264" not in av.codecs_available:
        codec = "mpeg4"  # FFmpeg's own encoder, in every build
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if bit_rate:
            stream.bit_rate = bit_rate
        for array in frames:
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            for packet in stream.encode(frame.reformat(width=size[0], height=size[1])):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def original() -> bytes:
    return make_video(_scene(1, 4 * FPS))


@pytest.fixture(scope="module")
def reencoded() -> bytes:
    """The same frames through another codec, at 1.5× the resolution and a low bit rate."""
    return make_video(_scene(1, 4 * FPS), codec="mpeg4", size=(240, 180), bit_rate=150_000)


def frame_hashes(data: bytes) -> list[str]:
    return [h.value for h in hasher.hash_bytes(data).of_type(HashType.PDQ)]


def test_frames_are_sampled_once_a_second_with_quality(original: bytes) -> None:
    result = hasher.hash_bytes(original, source="clip.mp4")
    assert result.media_type == "video"
    assert (result.width, result.height, result.frames) == (*SIZE, 4 * FPS)
    pdq = result.of_type(HashType.PDQ)
    assert [h.frame for h in pdq] == [0, 12, 24, 36]
    assert all(h.quality is not None and h.quality >= 50 for h in pdq)
    assert {h.hash_type for h in result.hashes} >= {HashType.MD5, HashType.SHA256}
    assert "4 frames PDQ-hashed of 48 decoded" in result.notes[0]


def test_a_scene_change_is_sampled_between_the_seconds() -> None:
    cut_at = FPS + FPS // 2  # 1.5 s
    video = make_video(
        frame for part in (_scene(1, cut_at), _scene(9, 3 * FPS - cut_at)) for frame in part
    )
    frames = [h.frame for h in hasher.hash_bytes(video).of_type(HashType.PDQ)]
    assert frames == [0, 12, cut_at, 24]


def test_videos_longer_than_the_cap_are_sampled_over_their_whole_length(original: bytes) -> None:
    result = MediaHasher(max_video_frames=2).hash_bytes(original)
    assert [h.frame for h in result.of_type(HashType.PDQ)] == [0, 24]
    assert "every 2.00 s" in result.notes[0]


def test_reencoded_copy_matches_and_a_different_video_does_not(
    matcher: MediaMatcher, original: bytes, reencoded: bytes
) -> None:
    report = matcher.import_bank("videos", frame_hashes(original), fmt="pdq")
    assert report.added == 4
    outcome = matcher.match_bytes(reencoded, content_ref="upload-7")
    assert outcome.matched
    assert {m.bank for m in outcome.matches} == {"videos"}
    assert len({m.frame for m in outcome.matches}) >= 2
    assert all(m.distance <= 31 and m.hash_type is HashType.PDQ for m in outcome.matches)
    other = make_video(_scene(2, 4 * FPS))
    assert not matcher.match_bytes(other, content_ref="upload-8").matched


def test_one_matching_frame_is_not_enough_for_a_video(
    matcher: MediaMatcher, original: bytes, tmp_path: object
) -> None:
    matcher.import_bank("stills", frame_hashes(original)[:1], fmt="pdq")
    outcome = matcher.match_bytes(original)
    assert not outcome.matched
    assert any(
        "1 of 4 usable sampled frames match bank stills, 2 needed" in s for s in outcome.skipped
    )
    lenient = MediaMatcher(matcher.store, min_video_frames=1)
    assert lenient.match_bytes(original, content_ref="x").matched


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated-mp4"),
        pytest.param(lambda data: data[:32] + bytes(400), id="zeroed-after-header"),
        pytest.param(lambda data: data[:12], id="header-only"),
    ],
)
def test_corrupt_or_truncated_video_is_a_media_error(original: bytes, damage: object) -> None:
    broken = damage(original)  # type: ignore[operator]
    with pytest.raises(MediaError, match="corrupt, truncated or unsupported video") as caught:
        hasher.hash_bytes(broken, source="upload.mp4")
    assert caught.value.source == "upload.mp4"


def test_a_cut_short_stream_keeps_its_earlier_frames_with_a_note() -> None:
    video = make_video(_scene(1, 4 * FPS), container="matroska")
    result = hasher.hash_bytes(video[: len(video) // 2])
    assert 1 <= len(result.of_type(HashType.PDQ)) < 4
    assert any("truncated" in note or "breaks off" in note for note in result.notes)
