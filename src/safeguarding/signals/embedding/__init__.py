"""Semantic similarity from static, cross-lingual word embeddings (numpy only, offline)."""

from safeguarding.signals.embedding.static import StaticEmbedder, default_embedder

__all__ = ["StaticEmbedder", "default_embedder"]
