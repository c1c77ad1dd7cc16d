"""helpers.lessons.threading.figures: request timelines, one row per thread."""

from __future__ import annotations

import pytest

from helpers.lessons.threading import figures
from helpers.lessons.threading.fetch import run_fetch


def test_plots_have_labelled_axes_and_one_row_per_thread() -> None:
    run = run_fetch(pages=6, threads=3, latency_ms=2)
    ax = figures.plot_requests(run.records).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fetcher-1", "fetcher-2", "fetcher-3"]
    assert "(ms)" in ax.get_xlabel() and ax.get_ylabel() == "thread"
    serial = run_fetch(pages=6, threads=0, latency_ms=2)
    fig = figures.plot_serial_vs_threaded(serial.records, run.records)
    top, bottom = fig.axes
    assert top.get_xlim() == bottom.get_xlim()
    with pytest.raises(ValueError, match="at least one request"):
        figures.plot_requests([])
