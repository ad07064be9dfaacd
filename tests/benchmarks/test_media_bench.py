"""``safeguarding media bench`` (``safeguarding.benchmarks.media``) at a small size."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from safeguarding.cli.media import media_app

runner = CliRunner()


def test_bench_runs_small() -> None:
    result = runner.invoke(
        media_app,
        ["bench", "--json", "--hashes", "20000", "--planted", "50", "--memory-hashes", "20000",
         "--images", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["query"]["recall"] == 1.0
    assert report["hashing"]["images_per_s"] > 0
