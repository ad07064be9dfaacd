"""The learned, calibrated combiner: logistic regression over :mod:`risk.features`.

Platt scaling on top makes the risk a calibrated probability (see ``calibration``). A linear
model keeps the artefact tiny (a JSON file of weights), loads offline in
microseconds, scores a message with one dot product, and explains itself: each feature's
weight times its value is its share of the decision.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.risk.features import FEATURES

MODEL_FORMAT = 1


class ModelError(ValueError):
    """A model file that cannot be used with this version of the features."""


@dataclass
class RiskModel:
    coef: np.ndarray
    intercept: float
    alert_threshold: float
    watch_threshold: float
    urgent_threshold: float
    version: str
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    metadata: dict[str, Any] = field(default_factory=dict)
    # Platt scaling (a, b) of the linear score: risk = sigmoid(a * z + b), fitted so that risk
    # reads as the chance a moderator reading the chat so far would escalate it.
    calibration: tuple[float, float] = (1.0, 0.0)

    def __post_init__(self) -> None:
        if self.features != FEATURES:
            missing = sorted(set(FEATURES) - set(self.features))
            extra = sorted(set(self.features) - set(FEATURES))
            raise ModelError(
                f"model {self.version} was trained on other features "
                f"(missing {missing}, unknown {extra}); retrain with `safeguarding train`"
            )
        self.coef = np.asarray(self.coef, dtype=np.float64)
        self._coef_list: list[float] = self.coef.tolist()
        self._coef_of: np.ndarray = self.coef

    def predict(self, x: Sequence[float]) -> float:
        """Calibrated risk of one feature vector (a list or an array in ``FEATURES`` order).

        The dot product runs in Python over a list copy of the weights: the engine calls this
        for every participant on every message, and for a few dozen numbers that is cheaper
        than numpy's per-call overhead (the sum may differ from BLAS in the last bit).
        """
        if self.coef is not self._coef_of:  # weights replaced after construction
            self._coef_list, self._coef_of = self.coef.tolist(), self.coef
        a, b = self.calibration
        z = a * (sum(map(operator.mul, self._coef_list, x)) + self.intercept) + b
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def contributions(self, x: Sequence[float], top: int = 4) -> list[tuple[str, float]]:
        """The features that pushed this score up most, for the assessment's reasons."""
        parts = self.coef * np.asarray(x, dtype=np.float64)
        order = np.argsort(-parts)[:top]
        return [(self.features[i], float(parts[i])) for i in order if parts[i] > 0.05]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "version": self.version,
            "features": self.features,
            "coef": [round(float(c), 6) for c in self.coef],
            "intercept": round(self.intercept, 6),
            "alert_threshold": self.alert_threshold,
            "watch_threshold": self.watch_threshold,
            "urgent_threshold": self.urgent_threshold,
            "calibration": [round(self.calibration[0], 6), round(self.calibration[1], 6)],
            "metadata": self.metadata,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskModel:
        if data.get("format") != MODEL_FORMAT:
            raise ModelError(f"unsupported model format {data.get('format')!r}")
        return cls(
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            alert_threshold=float(data["alert_threshold"]),
            watch_threshold=float(data["watch_threshold"]),
            urgent_threshold=float(data["urgent_threshold"]),
            version=str(data["version"]),
            features=list(data["features"]),
            metadata=dict(data.get("metadata") or {}),
            calibration=_pair(data.get("calibration") or (1.0, 0.0)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> RiskModel:
        """Load a model file; without a path, the one that ships with the package."""
        if path is None:
            text = (resources.files("safeguarding.data") / "model" / "risk_model.json").read_text()
        else:
            text = Path(path).read_text()
        return cls.from_dict(json.loads(text))


def _pair(values: Any) -> tuple[float, float]:
    a, b = values
    return float(a), float(b)
