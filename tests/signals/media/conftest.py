"""Shared fixtures: synthetic images (abstract shapes, never real media) and a fresh matcher
over one tenant's banks in a migrated SQLite service database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from safeguarding.signals.media import MediaMatcher
from safeguarding.signals.media.synthetic import encode, synthetic_image
from safeguarding.storage import Repository


@pytest.fixture(scope="session")
def base_image() -> Image.Image:
    return synthetic_image(101)


@pytest.fixture(scope="session")
def base_jpeg(base_image: Image.Image) -> bytes:
    return encode(base_image)


@pytest.fixture(scope="session")
def unrelated_jpegs() -> list[bytes]:
    return [encode(synthetic_image(seed, (640, 480))) for seed in range(200, 206)]


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    repository = Repository.from_url(f"sqlite:///{tmp_path / 'sg.db'}")
    repository.migrate()
    yield repository
    repository.close()


@pytest.fixture
def matcher(repo: Repository) -> MediaMatcher:
    return MediaMatcher(repo.media(repo.create_tenant("tenant-a").id))
