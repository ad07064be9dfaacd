"""Normalise stage."""
