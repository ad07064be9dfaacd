"""Baselines the engine is compared with, each reduced to one prediction a conversation."""

from safeguarding.evaluation.baselines.keyword import KeywordBaseline
from safeguarding.evaluation.baselines.profanity import ProfanityBaseline
from safeguarding.evaluation.baselines.sentinel import SentinelBaseline

__all__ = ["KeywordBaseline", "ProfanityBaseline", "SentinelBaseline"]
