from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeguarding.cli.media import media_app
from safeguarding.signals.media.synthetic import encode, synthetic_image

runner = CliRunner()


def test_hash_import_match_disable_and_matches(tmp_path: Path, base_jpeg: bytes) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(base_jpeg)
    copy = tmp_path / "b.png"
    copy.write_bytes(encode(synthetic_image(101).resize((512, 384)), "PNG"))
    store = ["--data-dir", str(tmp_path / "store")]

    hashed = runner.invoke(media_app, ["hash", str(image), "--json"])
    assert hashed.exit_code == 0, hashed.output
    pdq = next(h for h in json.loads(hashed.stdout)[0]["hashes"] if h["hash_type"] == "pdq")

    bank = tmp_path / "bank.txt"
    bank.write_text(f"{pdq['value']} 100\nnot-a-hash\n")
    imported = runner.invoke(
        media_app, ["bank", "import", "known", str(bank), "--format", "pdq", "--json", *store]
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == 1
    assert "bank.txt:2" in imported.stderr

    matched = runner.invoke(media_app, ["match", str(copy), "--json", *store])
    assert json.loads(matched.stdout)[0]["matches"][0]["bank"] == "known"

    disabled = runner.invoke(media_app, ["hash", "disable", f"pdq:{pdq['value']}", *store])
    assert disabled.exit_code == 0, disabled.output
    again = runner.invoke(media_app, ["match", f"pdq:{pdq['value']}", "--json", *store])
    assert json.loads(again.stdout)[0]["matched"] is False

    listed = runner.invoke(media_app, ["bank", "list", "--json", *store])
    assert json.loads(listed.stdout)[0]["entries"] == 1
    matches = runner.invoke(media_app, ["matches", "--json", *store])
    assert [m["content_ref"] for m in json.loads(matches.stdout)] == [str(copy)]


def test_bad_file_exits_2_with_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just text")
    result = runner.invoke(media_app, ["hash", str(bad)])
    assert result.exit_code == 2
    assert "unknown or unsupported format" in result.stderr


def test_bench_runs_small(tmp_path: Path) -> None:
    result = runner.invoke(
        media_app,
        ["bench", "--json", "--hashes", "20000", "--planted", "50", "--memory-hashes", "20000",
         "--images", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["query"]["recall"] == 1.0
    assert report["hashing"]["images_per_s"] > 0
