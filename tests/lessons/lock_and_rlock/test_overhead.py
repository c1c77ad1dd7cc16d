"""What a lock costs per increment, measured four ways with exact counts."""

from __future__ import annotations

import pytest

from helpers.lessons.lock_and_rlock.overhead import lock_overhead, plot_lock_overhead


def test_lock_overhead_measures_four_ways_with_exact_counts() -> None:
    results = lock_overhead(increments=4_000, threads=2, batch=100)
    assert len(results) == 4 and all(v > 0 for v in results.values())
    fig = plot_lock_overhead(results)
    assert "ns" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError):
        lock_overhead(increments=0)
    with pytest.raises(ValueError):
        plot_lock_overhead({})
