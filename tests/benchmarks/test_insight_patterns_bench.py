"""The patterns benchmark at a small scale: it generates, times, and finds both plants."""

from __future__ import annotations

from pathlib import Path

from safeguarding.benchmarks.insight_patterns import PatternsBenchConfig, run_patterns_bench
from safeguarding.storage.repository import Repository


def test_small_run_finds_the_planted_network_and_evasion(tmp_path: Path) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'b.db'}")
    repo.migrate()
    try:
        result = run_patterns_bench(repo, PatternsBenchConfig(accounts=5_000), lambda _m: None)
    finally:
        repo.close()
    assert result["rows"]["accounts"] == 5_000
    assert result["planted_network_found"] and result["planted_evasion_found"]
    assert result["found"]["bursts"] == 4  # the four planted accounts, nobody else
    assert result["patterns_s"] > 0 and set(result["steps_s"]) >= {"export"}
