from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from safeguarding.signals.media import HashType, MediaError, MediaHasher, hamming_hex
from safeguarding.signals.media.synthetic import encode, synthetic_image

hasher = MediaHasher()


def pdq(data: bytes) -> str:
    return hasher.hash_bytes(data).of_type(HashType.PDQ)[0].value


def tint(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image).astype(int)
    pixels[..., 0] += 25
    pixels[..., 2] -= 15
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


EDITS = {
    "resized to 40%": lambda im: encode(im.resize((410, 307))),
    "upscaled": lambda im: encode(im.resize((1600, 1200))),
    "re-encoded at JPEG quality 35": lambda im: encode(im, quality=35),
    "re-encoded as PNG": lambda im: encode(im, "PNG"),
    "re-encoded as WebP": lambda im: encode(im, "WEBP", quality=70),
    "cropped 8 px a side": lambda im: encode(im.crop((8, 8, im.width - 8, im.height - 8))),
    "saturation +60%": lambda im: encode(ImageEnhance.Color(im).enhance(1.6)),
    "brightness +15%": lambda im: encode(ImageEnhance.Brightness(im).enhance(1.15)),
    "red tint": lambda im: encode(tint(im)),
    "greyscale": lambda im: encode(im.convert("L")),
}


@pytest.mark.parametrize("edit", EDITS)
def test_edited_copies_stay_within_the_usual_threshold(
    edit: str, base_image: Image.Image, base_jpeg: bytes
) -> None:
    assert hamming_hex(pdq(base_jpeg), pdq(EDITS[edit](base_image))) <= 31


def test_unrelated_images_are_far_apart(base_jpeg: bytes, unrelated_jpegs: list[bytes]) -> None:
    hashes = [pdq(base_jpeg), *(pdq(j) for j in unrelated_jpegs)]
    distances = [hamming_hex(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 70


def test_hash_result_has_pdq_quality_md5_and_sha256(base_jpeg: bytes) -> None:
    result = hasher.hash_bytes(base_jpeg, source="mem")
    assert [h.hash_type for h in result.hashes] == [
        HashType.PDQ,
        HashType.MD5,
        HashType.SHA1,
        HashType.SHA256,
    ]
    assert result.of_type(HashType.PDQ)[0].quality == 100
    assert (result.width, result.height, result.media_type) == (1024, 768, "image")
    assert len(result.of_type(HashType.MD5)[0].value) == 32


def test_exact_hashes_change_with_any_byte_while_pdq_does_not(base_image: Image.Image) -> None:
    a = hasher.hash_bytes(encode(base_image, quality=90))
    b = hasher.hash_bytes(encode(base_image, quality=89))
    assert a.of_type(HashType.MD5) != b.of_type(HashType.MD5)
    assert hamming_hex(a.of_type(HashType.PDQ)[0].value, b.of_type(HashType.PDQ)[0].value) <= 8


def test_flat_image_has_low_quality() -> None:
    flat = encode(Image.new("RGB", (300, 200), (120, 130, 140)))
    assert hasher.hash_bytes(flat).of_type(HashType.PDQ)[0].quality < 50


def test_fast_decode_stays_close_to_full_decode(base_jpeg: bytes) -> None:
    full = MediaHasher(fast_decode=False).hash_bytes(base_jpeg).of_type(HashType.PDQ)[0].value
    assert hamming_hex(full, pdq(base_jpeg)) <= 12


def test_animation_frames_are_sampled() -> None:
    frames = [synthetic_image(seed, (200, 150)) for seed in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    result = hasher.hash_bytes(buffer.getvalue())
    assert result.media_type == "animation"
    assert [h.frame for h in result.of_type(HashType.PDQ)] == [0, 1, 2]


def test_video_without_decoder_gets_exact_hashes_and_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safeguarding.signals.media import video

    monkeypatch.setattr(video, "available", lambda: False)
    fake_mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(200)
    result = hasher.hash_bytes(fake_mp4)
    assert result.media_type == "video"
    assert {h.hash_type for h in result.hashes} == {HashType.MD5, HashType.SHA1, HashType.SHA256}
    assert "exact hashes only" in result.notes[0]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"this is plain text, not an image", "unknown or unsupported format"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "corrupt"),
    ],
)
def test_bad_input_raises_media_error(data: bytes, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        hasher.hash_bytes(data, source="upload")


def test_truncated_jpeg_is_corrupt(base_jpeg: bytes) -> None:
    with pytest.raises(MediaError, match="corrupt"):
        hasher.hash_bytes(base_jpeg[: len(base_jpeg) // 3])


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # a 1-bit PNG declares 20000×20000 pixels in a few kilobytes
    bomb = encode(Image.new("1", (20_000, 20_000)), "PNG")
    assert len(bomb) < 200_000
    with pytest.raises(MediaError, match="decompression bomb"):
        hasher.hash_bytes(bomb)


def test_oversized_file_is_refused(tmp_path: object, base_jpeg: bytes) -> None:
    with pytest.raises(MediaError, match="byte limit"):
        MediaHasher(max_bytes=1000).hash_bytes(base_jpeg)


def test_missing_file_is_a_media_error(tmp_path: object) -> None:
    with pytest.raises(MediaError, match="cannot read file"):
        hasher.hash_file("/nonexistent/picture.jpg")


def test_large_declared_image_is_reduced_before_hashing() -> None:
    import time

    flat = Image.new("L", (8000, 7999), 40)
    flat.paste(255, (1000, 1000, 5000, 4000))
    png = encode(flat, "PNG")
    assert len(png) < 400_000
    started = time.process_time()
    result = hasher.hash_bytes(png)
    assert time.process_time() - started < 3.0  # was 7.8 s (and 2 GB) at full size
    assert (result.width, result.height) == (8000, 7999)


def test_reduced_hash_stays_close_to_the_full_size_hash() -> None:
    png = encode(synthetic_image(7, (3000, 2250)), "PNG")
    full = MediaHasher(fast_decode=False).hash_bytes(png).of_type(HashType.PDQ)[0].value
    assert hamming_hex(pdq(png), full) <= 12  # 4-6 bits on three synthetic images


def test_bomb_message_quotes_the_documented_limit() -> None:
    bomb = encode(Image.new("1", (20_000, 20_000)), "PNG")  # over Pillow's doubled limit too
    with pytest.raises(MediaError, match="over the 64000000-pixel limit") as caught:
        hasher.hash_bytes(bomb)
    assert "128000000" not in str(caught.value)


def test_a_directory_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="is a directory"):
        hasher.hash_file(tmp_path)
