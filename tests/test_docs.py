"""Docs that must follow the code: every setting documented, the bad-input claims true."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from safeguarding.service.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
README = DOCS.parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "service.md").read_text(encoding="utf-8")
    missing = [f.name.upper() for f in fields(Settings) if f"`{f.name.upper()}`" not in text]
    assert not missing, f"settings missing from docs/service.md: {missing}"


def test_readme_says_what_the_api_does_with_lone_surrogates() -> None:
    row = next(
        line for line in README.read_text(encoding="utf-8").splitlines() if "surrogate" in line
    )
    assert re.search(r"lone surrogate.*`422`", row), (
        row
    )  # tests/api/test_bad_input.py checks the 422
