"""helpers.lessons.threading.explore: the fetch explorer and the function behind it."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.threading import explore


def test_explore_fetch_builds_a_curve_across_runs(no_new_threads: None) -> None:
    history = explore.FetchHistory()
    progress: list[tuple[int, int]] = []
    explore.explore_fetch(threads=1, pages=4, latency_ms=10, history=history)
    fig2, run2 = explore.explore_fetch(
        threads=4,
        pages=4,
        latency_ms=10,
        history=history,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert isinstance(fig2, Figure) and run2.peak_in_flight <= 4
    (curve,) = history.walls.values()
    assert sorted(curve) == [1, 4]
    right = fig2.axes[1]
    measured = next(line for line in right.get_lines() if line.get_label() == "measured")
    assert list(measured.get_xdata()) == [1, 4]
    assert right.get_xlabel() == "threads" and "(ms)" in right.get_ylabel()
    assert progress[-1] == (4, 4)
    with pytest.raises(ValueError, match="threads must be between 1 and 64"):
        explore.explore_fetch(threads=0)


def test_fetch_explorer_runs_its_compute_function(no_new_threads: None) -> None:
    explorer = explore.fetch_explorer(threads=2, pages=4, latency_ms=10)
    assert set(explorer.controls) == {"threads", "pages", "latency_ms"}
    figure = explorer.run()
    assert explorer.error is None and isinstance(figure, Figure)
    assert explorer.data.threads == 2
