"""Repo-owned training data for the learned risk combination (issue 2).

The corpus is generated from line banks under ``safeguarding/data/training`` so that the
weights and calibration come from examples this repository owns, not from the dev sets.
Import :mod:`safeguarding.risk.training.synthetic` directly; this package stays empty so that
``python -m safeguarding.risk.training.synthetic`` runs without a double import.
"""
