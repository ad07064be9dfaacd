"""Risk stage: per-conversation state, features, calibrated model and the streaming engine."""
