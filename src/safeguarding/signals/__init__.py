"""Signals stage."""
