from __future__ import annotations

import threading

import numpy as np
import pytest

from safeguarding.signals.media.index import MultiIndexTable, PdqIndex, brute_force


def flip(code: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    out = code.copy()
    for bit in rng.choice(256, count, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


@pytest.fixture(scope="module")
def codes() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (50_000, 32), dtype=np.uint8)


@pytest.mark.parametrize("limit", [0, 10, 31, 47, 63])
def test_multi_index_returns_exactly_what_a_flat_scan_returns(
    codes: np.ndarray, limit: int
) -> None:
    rng = np.random.default_rng(limit)
    table = MultiIndexTable(codes)
    for _ in range(40):
        query = flip(codes[rng.integers(len(codes))], int(rng.integers(0, limit + 1)), rng)
        rows, distances = table.search(query, limit)
        expected_rows, expected_distances = brute_force(codes, query, limit)
        assert sorted(zip(rows.tolist(), distances.tolist(), strict=True)) == sorted(
            zip(expected_rows.tolist(), expected_distances.tolist(), strict=True)
        )


def test_every_planted_near_duplicate_at_the_limit_is_found(codes: np.ndarray) -> None:
    rng = np.random.default_rng(11)
    index = PdqIndex.build(codes, np.arange(len(codes)) + 1000, np.zeros(len(codes), np.int32))
    targets = rng.choice(len(codes), 300, replace=False)
    for target in targets:
        hits = index.search(flip(codes[target], 31, rng), 31)
        assert any(h.entry_id == target + 1000 and h.distance == 31 for h in hits)


def test_additions_are_searchable_at_once_and_survive_a_background_merge(codes: np.ndarray) -> None:
    index = PdqIndex(delta_limit=1000, background=True)
    index.add(codes[:500], np.arange(500), np.full(500, 3, np.int32))
    assert [h.entry_id for h in index.search(codes[42], 0)] == [42]
    stop = threading.Event()
    misses: list[int] = []

    def query_while_rebuilding() -> None:
        while not stop.is_set():
            if not any(h.entry_id == 42 for h in index.search(codes[42], 0)):
                misses.append(1)

    reader = threading.Thread(target=query_while_rebuilding)
    reader.start()
    index.add(codes[500:5000], np.arange(500, 5000), np.full(4500, 3, np.int32))  # triggers merge
    index.wait()
    stop.set()
    reader.join()
    assert misses == []
    assert len(index) == 5000
    hits = index.search(codes[4999], 0)
    assert [(h.entry_id, h.tag, h.distance) for h in hits] == [(4999, 3, 0)]


def test_index_rejects_malformed_codes() -> None:
    with pytest.raises(ValueError, match="uint8 array"):
        MultiIndexTable(np.zeros((3, 16), np.uint8))


def test_memory_is_about_100_bytes_a_hash(codes: np.ndarray) -> None:
    index = PdqIndex.build(codes, np.arange(len(codes)), np.zeros(len(codes), np.int32))
    assert 100 * len(codes) <= index.nbytes <= 120 * len(codes) + 16 * 65537 * 8


def test_skewed_buckets_fall_back_to_a_flat_scan_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safeguarding.signals.media import index as index_module

    rng = np.random.default_rng(3)
    skewed = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    skewed[:15_000, :4] = 0  # chunks 0 and 1 are 0x0000 for 75% of rows (flat image regions)
    skewed[100:110] = skewed[99]  # exact duplicates: every copy is returned
    table = MultiIndexTable(skewed)
    scans: list[int] = []
    real_scan = index_module.brute_force

    def counting_scan(*args: object) -> tuple[np.ndarray, np.ndarray]:
        scans.append(1)
        return real_scan(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(index_module, "brute_force", counting_scan)
    for row, limit in [(99, 0), (99, 31), (17_000, 31), (5, 200)]:
        query = flip(skewed[row], 5 if limit else 0, rng)
        rows, distances = table.search(query, limit)
        expected_rows, expected_distances = real_scan(skewed, query, limit)
        assert rows.tolist() == expected_rows.tolist()
        assert distances.tolist() == expected_distances.tolist()
    assert len(scans) == 3  # the query in the unskewed part probes
    assert set(table.search(skewed[99], 0)[0].tolist()) == set(range(99, 110))


def test_search_results_are_sorted_unique_rows(codes: np.ndarray) -> None:
    table = MultiIndexTable(codes)
    rows, distances = table.search(codes[123], 63)
    assert rows.tolist() == sorted(set(rows.tolist()))
    assert rows.dtype == np.int64 and distances.dtype == np.int64
    assert 123 in rows.tolist()
