"""helpers.lessons.gil.figures: a run's timeline, with a *GIL held by* row for CPU-bound work."""

from __future__ import annotations

import pytest

from helpers.core import machine, timing
from helpers.lessons.gil import figures


def test_plot_turns_adds_a_gil_row_for_cpu_work_only(record, fake_run) -> None:
    run = fake_run(
        [
            record(0, thread=10, running=((0.0, 1.0), (2.0, 3.0))),
            record(1, thread=20, running=((1.0, 2.0),)),
        ]
    )
    ax = figures.plot_turns(run).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] in ("GIL held by", "running Python") and labels[1:] == ["thread 1", "thread 2"]
    assert "(ms)" in ax.get_xlabel()
    io = timing.RunResult(**{**run.__dict__, "kind": "io"})
    io_labels = [t.get_text() for t in figures.plot_turns(io).axes[0].get_yticklabels()]
    assert io_labels == ["thread 1", "thread 2"]


@pytest.mark.parametrize("gil", [True, False])
def test_plot_turns_names_the_gil_only_where_there_is_one(
    record, fake_run, monkeypatch, gil
) -> None:
    monkeypatch.setattr(machine, "gil_enabled", lambda: gil)
    run = fake_run([record(0, thread=10, running=((0.0, 1.0),))])
    ax = figures.plot_turns(run).axes[0]
    words = [t.get_text() for t in ax.get_legend().get_texts()]
    words += [t.get_text() for t in ax.get_yticklabels()]
    assert any("GIL" in w for w in words) is gil, words
