"""Evaluation stage: the measures of DATASPEC.md, baselines to compare with, benchmarks."""

from safeguarding.evaluation.metrics import EvaluationReport, Prediction, evaluate

__all__ = ["EvaluationReport", "Prediction", "evaluate"]
