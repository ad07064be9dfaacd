"""Model fitting: row labels, sign-constrained weights, threshold choice, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safeguarding.domain import Conversation
from safeguarding.risk.features import FEATURES, SIGNS
from safeguarding.risk.model import ModelError, RiskModel
from safeguarding.risk.training.fit import build_rows, choose_threshold, fit_weights, train_model
from safeguarding.risk.training.synthetic import generate_corpus


@pytest.fixture(scope="module")
def corpus() -> list[Conversation]:
    return generate_corpus(60, seed=11)


def test_rows_label_only_the_offender_from_the_alert_point(corpus: list[Conversation]) -> None:
    rows = build_rows(corpus)
    assert rows.x.shape == (len(rows.y), len(FEATURES))
    for ci in np.unique(rows.conversation[rows.y == 1]):
        assert corpus[ci].is_harm
    benign = [i for i, c in enumerate(corpus) if not c.is_harm]
    assert not rows.y[np.isin(rows.conversation, benign)].any()
    # every conversation weighs the same in total
    totals = np.bincount(rows.conversation, weights=rows.weight)
    assert np.allclose(totals[totals > 0], 1.0)


def test_weights_respect_their_signs(corpus: list[Conversation]) -> None:
    coef, _ = fit_weights(build_rows(corpus))
    for name, weight in zip(FEATURES, coef, strict=True):
        assert weight * SIGNS[name] >= -1e-9, name


def test_threshold_separates_a_clean_split(corpus: list[Conversation]) -> None:
    scored = [(c, [0.9 if c.is_grooming else 0.1]) for c in corpus]
    t = choose_threshold(scored)
    assert 0.1 < t <= 0.9


def test_trained_model_round_trips_and_detects(tmp_path: Path, corpus: list[Conversation]) -> None:
    model = train_model(corpus)
    assert 0.2 <= model.alert_threshold <= 0.98
    assert model.watch_threshold < model.alert_threshold
    path = tmp_path / "m.json"
    model.save(path)
    loaded = RiskModel.load(path)
    assert np.allclose(loaded.coef, model.coef, atol=1e-5)  # saved to 6 decimals
    assert loaded.version == model.version


def test_a_model_for_other_features_is_refused(tmp_path: Path) -> None:
    data = RiskModel.load().to_dict()
    data["features"] = data["features"][:-1] + ["something_else"]
    with pytest.raises(ModelError, match="retrain"):
        RiskModel.from_dict(data)


def test_calibration_is_monotone_and_corrects_overconfidence() -> None:
    from safeguarding.risk.training.fit import calibrate, fit_calibration

    def conv(cid: str, grooming: bool) -> Conversation:
        return Conversation(
            id=cid,
            participants=[],
            messages=[],
            label="grooming" if grooming else "benign",
            first_alert_index=0 if grooming else None,
        )

    # raw risk 0.9 on every message, but only half of such conversations are grooming
    scored = [(conv(f"c{i}", i % 2 == 0), [0.9, 0.9]) for i in range(40)]
    calibration = fit_calibration(scored)
    assert calibrate(0.9, calibration) == pytest.approx(0.5, abs=0.05)
    assert calibrate(0.2, calibration) < calibrate(0.5, calibration) < calibrate(0.9, calibration)
