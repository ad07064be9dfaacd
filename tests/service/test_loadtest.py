"""The load generator's kill -9 mode, small and bounded: nothing acknowledged is lost."""

from __future__ import annotations

import pytest

from safeguarding.service.loadtest import percentile, run_loadtest


def test_percentile_picks_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) in (50.0, 51.0)
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.99) == 0.0


@pytest.mark.slow
def test_kill_minus_nine_mid_run_loses_and_duplicates_nothing(tmp_path) -> None:
    report = run_loadtest(
        f"sqlite:///{tmp_path}/load.db",
        rate=150,
        seconds=4,
        batch_size=10,
        conversations=20,
        kill_restart=True,
        workdir=tmp_path,
    )
    v = report.verification
    assert report.restart_s is not None
    assert report.messages_acknowledged > 0
    assert v["missing_acknowledged"] == 0
    assert v["duplicate_message_rows"] == 0 and v["duplicate_event_rows"] == 0
    assert v["conversations_with_gaps"] == 0 and v["assessments_behind"] == 0
    assert v["ok"]
