"""Synthetic test images (gradients, shapes, noise) for tests and the benchmark.

Nothing here resembles a person: images are abstract, drawn from a seed, so the test suite and
the benchmark never need real media.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def synthetic_image(seed: int, size: tuple[int, int] = (1024, 768)) -> Image.Image:
    """A distinct abstract RGB image per seed: a gradient background, shapes and mild noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 2 * np.pi)
        channels.append(127 + 100 * np.sin(2 * np.pi * (fx * x + fy * y) + phase))
    background = np.stack(channels, axis=-1)
    background += rng.normal(0, 6, background.shape)
    image = Image.fromarray(background.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 14))):
        x0, x1 = sorted(rng.integers(0, width, 2).tolist())
        y0, y1 = sorted(rng.integers(0, height, 2).tolist())
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = rng.integers(0, 3)
        if shape == 0:
            draw.rectangle((x0, y0, x1 + 8, y1 + 8), fill=colour)
        elif shape == 1:
            draw.ellipse((x0, y0, x1 + 8, y1 + 8), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(4, 30)))
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    """Bytes of ``image`` in ``fmt`` (JPEG quality 90 unless given)."""
    buffer = io.BytesIO()
    if fmt.upper() == "JPEG":
        options.setdefault("quality", 90)
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
