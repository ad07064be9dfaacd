"""Benchmarks and load generators, apart from the product stages.

``engine``: one-core throughput, latency and memory of the streaming engine
(``safeguarding bench``); ``loadtest``: the HTTP service driven as a second process
(``safeguarding loadtest``); ``media``: media hash index queries, index memory and hashing
throughput (``safeguarding media bench``). They measure every stage, so they may import all
of them; no product stage imports them.
"""
