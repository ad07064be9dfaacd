"""Insight: trends and patterns for safeguarding leads and police, transparency reports and
the crime statistics they are read against. The last stage of the flow: it reads what the
stages before it stored and changes nothing."""
