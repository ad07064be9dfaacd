"""``safeguarding media …`` on the service database, one tenant's banks at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.cli.media import media_app
from safeguarding.signals.media import ContentHash, HashType, MediaMatcher
from safeguarding.signals.media.synthetic import encode, synthetic_image
from safeguarding.storage import Repository

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sg.db'}"
    for name in ("acme", "other"):
        assert runner.invoke(app, ["tenants", "create", name, "--db", url]).exit_code == 0
    return url


def test_hash_import_match_disable_and_matches(tmp_path: Path, db: str) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(encode(synthetic_image(101)))
    copy = tmp_path / "b.png"
    copy.write_bytes(encode(synthetic_image(101).resize((512, 384)), "PNG"))
    acme = ["--tenant", "acme", "--db", db]
    other = ["--tenant", "other", "--db", db]

    hashed = runner.invoke(media_app, ["hash", str(image), "--json"])
    assert hashed.exit_code == 0, hashed.output
    pdq = next(h for h in json.loads(hashed.stdout)[0]["hashes"] if h["hash_type"] == "pdq")

    bank = tmp_path / "bank.txt"
    bank.write_text(f"{pdq['value']} 100\nnot-a-hash\n")
    imported = runner.invoke(
        media_app, ["bank", "import", "known", str(bank), "--format", "pdq", "--json", *acme]
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == 1
    assert "bank.txt:2" in imported.stderr

    matched = runner.invoke(media_app, ["match", str(copy), "--json", *acme])
    assert json.loads(matched.stdout)[0]["matches"][0]["bank"] == "known"
    elsewhere = runner.invoke(media_app, ["match", str(copy), "--json", *other])
    assert json.loads(elsewhere.stdout)[0]["matched"] is False  # the other tenant's banks
    assert json.loads(runner.invoke(media_app, ["bank", "list", "--json", *other]).stdout) == []

    # the other tenant cannot disable, release or list acme's hashes
    refused = runner.invoke(media_app, ["hash", "disable", f"pdq:{pdq['value']}", *other])
    assert refused.exit_code == 2 and "no bank entry" in refused.stderr
    released = runner.invoke(media_app, ["hash", "release", f"pdq:{pdq['value']}", *other])
    assert released.exit_code == 2
    assert json.loads(runner.invoke(media_app, ["quarantined", "--json", *other]).stdout) == []
    refused_bank = runner.invoke(media_app, ["bank", "disable", "known", *other])
    assert refused_bank.exit_code == 2 and "no bank named" in refused_bank.stderr

    disabled = runner.invoke(media_app, ["hash", "disable", f"pdq:{pdq['value']}", *acme])
    assert disabled.exit_code == 0, disabled.output
    again = runner.invoke(media_app, ["match", f"pdq:{pdq['value']}", "--json", *acme])
    assert json.loads(again.stdout)[0]["matched"] is False
    assert "disabled" in json.loads(again.stdout)[0]["skipped"][0]

    listed = runner.invoke(media_app, ["bank", "list", "--json", *acme])
    assert json.loads(listed.stdout)[0]["entries"] == 1
    matches = runner.invoke(media_app, ["matches", "--json", *acme])
    assert [m["content_ref"] for m in json.loads(matches.stdout)] == [str(copy)]
    assert json.loads(runner.invoke(media_app, ["matches", "--json", *other]).stdout) == []
    flips = runner.invoke(media_app, ["bank", "dihedral", "known", *acme])
    assert flips.exit_code == 0 and "dihedral=True" in flips.stdout


def test_unknown_tenant_and_bad_files_exit_2_with_a_reason(tmp_path: Path, db: str) -> None:
    unknown = runner.invoke(media_app, ["bank", "list", "--tenant", "nobody", "--db", db])
    assert unknown.exit_code == 2 and "no tenant" in unknown.stderr
    bad = tmp_path / "notes.txt"
    bad.write_text("just text")
    result = runner.invoke(media_app, ["hash", str(bad)])
    assert result.exit_code == 2
    assert "unknown or unsupported format" in result.stderr
    folder = runner.invoke(media_app, ["hash", str(tmp_path)])
    assert folder.exit_code == 2 and "is a directory" in folder.stderr
    assert folder.exception is None or isinstance(folder.exception, SystemExit)


def test_media_scope_keys_can_be_created(db: str) -> None:
    created = runner.invoke(app, ["keys", "create", "acme", "--scope", "media", "--db", db])
    assert created.exit_code == 0, created.output
    repo = Repository.from_url(db)
    assert [k.scopes for k in repo.list_api_keys()] == [("media",)]
    repo.close()


def test_purge_removes_old_media_matches(db: str) -> None:
    repo = Repository.from_url(db)
    tenant = repo.find_tenant("acme")
    assert tenant is not None
    old = datetime.now(UTC) - timedelta(days=200)
    matcher = MediaMatcher(repo.media(tenant.id), clock=lambda: old.timestamp())
    md5 = "0123456789abcdef0123456789abcdef"
    matcher.import_bank("exact", [md5], fmt="md5")
    matcher.match_hashes([ContentHash(HashType.MD5, md5)], "conv-1/att-1")
    assert len(matcher.matches()) == 1
    repo.close()
    done = runner.invoke(app, ["purge", "--older-than", "90", "--db", db])
    assert done.exit_code == 0, done.output
    assert "1 recorded media matches" in done.stdout
    repo = Repository.from_url(db)
    assert repo.media(tenant.id).list_matches() == []
    repo.close()
