"""Benchmark of the three targets: query time and recall, index memory, hashing throughput.

Targets (issue 5): a query in ≤ 1 ms against 1,000,000 hashes at distance ≤ 31 with every
planted near-duplicate found; 10,000,000 hashes in ≤ 2 GB; ≥ 80 images/s hashed (1024×768
JPEG, decode included) on one core. Every figure returned here is measured in this run.
"""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psutil

from safeguarding.measure import one_cpu
from safeguarding.signals.media.hashes import HashType, hamming_hex
from safeguarding.signals.media.hashing import MediaHasher
from safeguarding.signals.media.index import PdqIndex

Progress = Callable[[str], None]


@dataclass(slots=True, frozen=True)
class BenchConfig:
    query_hashes: int = 1_000_000
    planted: int = 1_000
    max_distance: int = 31
    memory_hashes: int = 10_000_000
    images: int = 120
    seed: int = 5


def _flip(code: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = code.copy()
    for bit in bits:
        out[bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    return out


def bench_query(config: BenchConfig, progress: Progress) -> dict[str, Any]:
    """Per-query time and recall of planted near-duplicates in a random-hash index."""
    rng = np.random.default_rng(config.seed)
    n = config.query_hashes
    progress(f"building an index of {n:,} random PDQ hashes")
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    started = time.perf_counter()
    index = PdqIndex.build(codes, np.arange(n, dtype=np.int64), np.zeros(n, np.int32))
    build_s = time.perf_counter() - started
    targets = rng.choice(n, config.planted, replace=False)
    # distances spread over 0..max, a quarter exactly at the limit (the hardest case)
    distances = rng.integers(0, config.max_distance + 1, config.planted)
    distances[: config.planted // 4] = config.max_distance
    queries = [
        _flip(codes[t], rng.choice(256, int(d), replace=False))
        for t, d in zip(targets, distances, strict=True)
    ]
    progress(
        f"querying {config.planted:,} planted near-duplicates (distance ≤ {config.max_distance})"
    )
    timings = np.empty(config.planted)
    found = 0
    returned = 0
    beyond_limit = 0
    process = psutil.Process()
    with one_cpu() as cpu:
        for query in queries[:20]:  # warm caches; not timed
            index.search(query, config.max_distance)
        switches_before = process.num_ctx_switches().involuntary
        for i, (query, target) in enumerate(zip(queries, targets, strict=True)):
            t0 = time.perf_counter_ns()
            hits = index.search(query, config.max_distance)
            timings[i] = (time.perf_counter_ns() - t0) / 1e6
            found += any(h.entry_id == target for h in hits)
            returned += len(hits)
            beyond_limit += sum(h.distance > config.max_distance for h in hits)
        # preemptions by other processes on the pinned core: on a shared machine each costs
        # the query it lands in a scheduler slice (~3-4 ms), which is what a high p99 shows
        preempted = process.num_ctx_switches().involuntary - switches_before
    return {
        "hashes": n,
        "planted": config.planted,
        "max_distance": config.max_distance,
        "build_s": round(build_s, 3),
        "query_ms_mean": round(float(timings.mean()), 4),
        "query_ms_p50": round(float(np.percentile(timings, 50)), 4),
        "query_ms_p99": round(float(np.percentile(timings, 99)), 4),
        "query_ms_max": round(float(timings.max()), 4),
        "cpu": cpu,
        "involuntary_context_switches": preempted,
        "recall": found / config.planted,
        "results_per_query": round(returned / config.planted, 3),
        "results_beyond_limit": beyond_limit,
    }


def bench_memory(config: BenchConfig, progress: Progress) -> dict[str, Any]:
    """Resident memory of an index of ``memory_hashes`` random hashes: RSS delta, exact bytes."""
    n = config.memory_hashes
    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    progress(f"building an index of {n:,} random PDQ hashes for the memory measurement")
    rng = np.random.default_rng(config.seed + 1)
    started = time.perf_counter()
    index = PdqIndex.build(
        rng.integers(0, 256, (n, 32), dtype=np.uint8),
        np.arange(n, dtype=np.int64),
        np.zeros(n, np.int32),
    )
    build_s = time.perf_counter() - started
    gc.collect()
    rss_after = process.memory_info().rss
    probe = rng.integers(0, 256, 32, dtype=np.uint8)
    timings = []
    for _ in range(50):
        t0 = time.perf_counter_ns()
        index.search(probe, config.max_distance)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
    result = {
        "hashes": n,
        "build_s": round(build_s, 2),
        "index_bytes": index.nbytes,
        "index_gib": round(index.nbytes / 2**30, 3),
        "rss_delta_gib": round((rss_after - rss_before) / 2**30, 3),
        "query_ms_mean_at_this_size": round(float(np.mean(timings)), 4),
    }
    del index
    gc.collect()
    return result


def bench_hashing(config: BenchConfig, progress: Progress) -> dict[str, Any]:
    """Images per second hashed on one core: JPEG decode, PDQ, MD5 and SHA-256."""
    from safeguarding.signals.media.synthetic import encode, synthetic_image

    progress(f"generating {config.images} synthetic 1024×768 JPEGs")
    jpegs = [encode(synthetic_image(config.seed * 1000 + i)) for i in range(config.images)]
    fast, full = MediaHasher(fast_decode=True), MediaHasher(fast_decode=False)
    progress("hashing them on one core")
    with one_cpu() as cpu:
        started = time.perf_counter()
        fast_hashes = [fast.hash_bytes(j).of_type(HashType.PDQ)[0] for j in jpegs]
        fast_s = time.perf_counter() - started
        started = time.perf_counter()
        full_hashes = [full.hash_bytes(j).of_type(HashType.PDQ)[0] for j in jpegs]
        full_s = time.perf_counter() - started
    drift = [hamming_hex(a.value, b.value) for a, b in zip(fast_hashes, full_hashes, strict=True)]
    return {
        "images": config.images,
        "size": "1024x768 JPEG q90",
        "cpu": cpu,
        "images_per_s": round(config.images / fast_s, 1),
        "images_per_s_full_decode": round(config.images / full_s, 1),
        "draft_vs_full_distance_mean": round(float(np.mean(drift)), 2),
        "draft_vs_full_distance_max": int(max(drift)),
        "mean_jpeg_bytes": int(np.mean([len(j) for j in jpegs])),
    }


def run_bench(config: BenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    say = progress or (lambda _message: None)
    query = bench_query(config, say)
    memory = bench_memory(config, say)
    hashing = bench_hashing(config, say)
    return {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()]
            if hasattr(os, "getloadavg")
            else None,
        },
        "query": query,
        "memory": memory,
        "hashing": hashing,
        "targets": {
            "query_ms_le_1": query["query_ms_mean"] <= 1.0 and query["hashes"] >= 1_000_000,
            "recall_all_planted": query["recall"] == 1.0,
            "memory_10m_le_2gib": memory["hashes"] >= 10_000_000
            and max(memory["rss_delta_gib"], memory["index_gib"]) <= 2.0,
            "hashing_ge_80_per_s": hashing["images_per_s"] >= 80,
        },
    }
