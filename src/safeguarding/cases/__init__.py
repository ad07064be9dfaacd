"""Cases stage: alerts become cases that people review.

Case model and sync from alerts (``sync``), priority (``priority``), routing into named queues
(``routing``), roles (``roles``), claims, decisions, escalation, reports and appeals
(``workflow``, ``decisions``), people and sessions (``auth``), the audit chain (``audit``),
encrypted evidence bundles (``bundles``, ``evidence``) and labels for learning (``export``).
No web code: the console and the API sit on top.
"""
