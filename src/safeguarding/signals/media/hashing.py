"""Hashing of media: PDQ for images (and sampled frames), MD5 and SHA-256 for exact matches.

Decoding is the expensive part, so JPEGs are decoded with Pillow's ``draft`` mode (the DCT
scales the image down while decoding). PDQ itself reduces every image to 64×64, so a decode at
half or quarter size changes a hash by a few bits only (checked against Meta's reference
images in the tests) while hashing runs several times faster.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageFile, UnidentifiedImageError

from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.hashes import ContentHash, HashType, pdq_bits_to_hex

# Deliberate decompression-bomb limit: 64 megapixels is above any camera photo a chat platform
# sees (a 48 MP phone photo fits) and far below what would exhaust memory on decode. Pillow
# warns above this and raises at twice this; we refuse anything above it before decoding.
MAX_IMAGE_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a grey image

MAX_FILE_BYTES = 100 * 1024 * 1024
# PDQ downsamples to 64×64 anyway; decoding JPEGs at no less than this size keeps hashes close.
DRAFT_SIZE = (256, 256)
# Larger images are box-reduced by a whole factor to no less than REDUCED_SIZE on their long
# side before PDQ: hashing a 64-megapixel image at full size costs seconds and gigabytes.
REDUCE_ABOVE = 1024
REDUCED_SIZE = 512
MAX_SAMPLED_FRAMES = 16  # animations
MAX_VIDEO_FRAMES = 64  # videos: ~1 frame/s + scene changes, thinned to this (video.py)

_IMAGE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG", "PNG"),
    (0, b"GIF8", "GIF"),
    (8, b"WEBP", "WebP"),
    (0, b"BM", "BMP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
)
_VIDEO_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4, MOV, 3GP
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (8, b"AVI "),  # AVI (RIFF)
    (0, b"FLV"),
)


@dataclass(slots=True)
class HashResult:
    """Hashes of one piece of content plus what was learnt while decoding it."""

    source: str | None
    media_type: str  # image | animation | video
    hashes: list[ContentHash]
    size: int
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    notes: list[str] = field(default_factory=list)
    # PDQ of the image's 7 flips and rotations, when asked for (banks that match those)
    variants: list[ContentHash] = field(default_factory=list)

    def of_type(self, hash_type: HashType) -> list[ContentHash]:
        return [h for h in self.hashes if h.hash_type is hash_type]

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "media_type": self.media_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "frames": self.frames,
            "hashes": [h.to_dict() for h in self.hashes],
            "notes": self.notes,
        }


def exact_hashes(data: bytes) -> list[ContentHash]:
    """MD5, SHA-1 and SHA-256 of the bytes, as the hash lists of NCMEC and the IWF carry them."""
    return [
        ContentHash(HashType.MD5, hashlib.md5(data, usedforsecurity=False).hexdigest()),
        ContentHash(HashType.SHA1, hashlib.sha1(data, usedforsecurity=False).hexdigest()),
        ContentHash(HashType.SHA256, hashlib.sha256(data).hexdigest()),
    ]


def pdq_of_array(rgb: np.ndarray, frame: int | None = None) -> ContentHash:
    """PDQ hash and quality of an H×W×3 uint8 RGB array."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return ContentHash(HashType.PDQ, pdq_bits_to_hex(bits), int(quality), frame)


def pdq_of_image(image: Image.Image, frame: int | None = None) -> ContentHash:
    return pdq_of_array(np.asarray(image.convert("RGB")), frame)


# the order of pdqhash.compute_dihedral's hashes after the original (PDQ's own names)
DIHEDRAL_VARIANTS = (
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
)


def pdq_with_variants(image: Image.Image) -> tuple[ContentHash, list[ContentHash]]:
    """PDQ of the image and of its 7 flips and rotations, from one pass over the pixels."""
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")), dtype=np.uint8)
    hashes, quality = pdqhash.compute_dihedral(rgb)
    original = ContentHash(HashType.PDQ, pdq_bits_to_hex(hashes[0]), int(quality))
    variants = [
        ContentHash(HashType.PDQ, pdq_bits_to_hex(bits), int(quality), variant=name)
        for name, bits in zip(DIHEDRAL_VARIANTS, hashes[1:], strict=True)
    ]
    return original, variants


def claimed_image_format(data: bytes) -> str | None:
    """The image format the file's magic bytes claim, to tell "corrupt" from "unknown"."""
    for offset, magic, name in _IMAGE_SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return name
    return None


def looks_like_video(data: bytes) -> bool:
    return any(data[offset : offset + len(magic)] == magic for offset, magic in _VIDEO_SIGNATURES)


class MediaHasher:
    """Hashes files or bytes; oversized, corrupt and unknown input raise :class:`MediaError`."""

    def __init__(
        self,
        *,
        max_pixels: int = MAX_IMAGE_PIXELS,
        max_bytes: int = MAX_FILE_BYTES,
        max_frames: int = MAX_SAMPLED_FRAMES,
        max_video_frames: int = MAX_VIDEO_FRAMES,
        fast_decode: bool = True,
    ) -> None:
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.max_frames = max_frames
        self.max_video_frames = max_video_frames
        self.fast_decode = fast_decode

    def hash_file(self, path: str | Path, *, dihedral: bool = False) -> HashResult:
        file = Path(path)
        try:
            if file.is_dir():
                raise MediaError("is a directory, not a file", source=str(file))
            size = file.stat().st_size
            if size > self.max_bytes:
                raise MediaError(
                    f"file is {size} bytes, over the {self.max_bytes}-byte limit", source=str(file)
                )
            data = file.read_bytes()
        except OSError as exc:
            raise MediaError(f"cannot read file: {exc.strerror or exc}", source=str(file)) from exc
        return self.hash_bytes(data, source=str(file), dihedral=dihedral)

    def hash_bytes(
        self, data: bytes, source: str | None = None, *, dihedral: bool = False
    ) -> HashResult:
        """Hashes of ``data``; ``dihedral``: a still image also gets its flips' and rotations'
        PDQ in ``variants``."""
        if not data:
            raise MediaError("empty file", source=source)
        if len(data) > self.max_bytes:
            raise MediaError(
                f"content is {len(data)} bytes, over the {self.max_bytes}-byte limit",
                source=source,
            )
        exact = exact_hashes(data)
        if looks_like_video(data):
            return self._hash_video(data, exact, source)
        return self._hash_image(data, exact, source, dihedral)

    def _hash_image(
        self, data: bytes, exact: list[ContentHash], source: str | None, dihedral: bool = False
    ) -> HashResult:
        variants: list[ContentHash] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(data))
                width, height = image.size
                if width * height > self.max_pixels:
                    raise self._bomb(f"image is {width}x{height} = {width * height} pixels", source)
                frames = int(getattr(image, "n_frames", 1))
                if frames > 1:
                    pdq = self._sample_frames(image, frames)
                    media_type = "animation"
                else:
                    if self.fast_decode and image.format == "JPEG":
                        image.draft("RGB", DRAFT_SIZE)
                    if dihedral:
                        original, variants = pdq_with_variants(self._reduced(image))
                        pdq = [original]
                    else:
                        pdq = [pdq_of_image(self._reduced(image))]
                    media_type = "image"
        except MediaError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow's own guard (its message quotes its own, doubled, limit): say ours
            raise self._bomb("image is too large", source) from exc
        except UnidentifiedImageError as exc:
            claimed = claimed_image_format(data)
            if claimed is not None:
                raise MediaError(
                    f"corrupt {claimed} image: cannot be decoded", source=source
                ) from exc
            raise MediaError(
                "unknown or unsupported format (not an image Pillow can read, nor a video)",
                source=source,
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MediaError(f"corrupt image data: {exc}", source=source) from exc
        return HashResult(
            source=source,
            media_type=media_type,
            hashes=[*pdq, *exact],
            size=len(data),
            width=width,
            height=height,
            frames=frames,
            variants=variants,
        )

    def _bomb(self, what: str, source: str | None) -> MediaError:
        return MediaError(
            f"{what}, over the {self.max_pixels}-pixel limit (decompression bomb guard)",
            source=source,
        )

    def _reduced(self, image: Image.Image) -> Image.Image:
        """The image box-reduced to at least ``REDUCED_SIZE`` px on its long side, when
        ``fast_decode`` and it is over ``REDUCE_ABOVE`` px (JPEGs were already drafted)."""
        longest = max(image.size)
        if not self.fast_decode or longest <= REDUCE_ABOVE:
            return image
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGB")
        return image.reduce(longest // REDUCED_SIZE)

    def _sample_frames(self, image: Image.Image, frames: int) -> list[ContentHash]:
        """PDQ of up to ``max_frames`` evenly spaced frames; repeated hashes are kept once."""
        count = min(frames, self.max_frames)
        picks = sorted({round(i * (frames - 1) / max(count - 1, 1)) for i in range(count)})
        seen: set[str] = set()
        out: list[ContentHash] = []
        for index in picks:
            image.seek(index)
            digest = pdq_of_image(self._reduced(image), frame=index)
            if digest.value not in seen:
                seen.add(digest.value)
                out.append(digest)
        return out

    def _hash_video(self, data: bytes, exact: list[ContentHash], source: str | None) -> HashResult:
        """Exact hashes always; frame-sampled PDQ when PyAV is installed (``video`` extra)."""
        from safeguarding.signals.media import video

        if not video.available():
            return HashResult(
                source=source,
                media_type="video",
                hashes=exact,
                size=len(data),
                notes=["no video decoder installed (pip install av): exact hashes only"],
            )
        sampled = video.sample_frame_hashes(
            data, max_frames=self.max_video_frames, source=source, max_pixels=self.max_pixels
        )
        return HashResult(
            source=source,
            media_type="video",
            hashes=[*sampled.hashes, *exact],
            size=len(data),
            width=sampled.width,
            height=sampled.height,
            frames=sampled.frames,
            notes=sampled.notes,
        )
