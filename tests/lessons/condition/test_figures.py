"""helpers.lessons.condition.figures: the notify explorer draws a labelled timeline, reports
progress, and refuses bad arguments by name."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.figure import Figure

from helpers.lessons.condition import figures

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_notify_timeline_draws_a_labelled_figure_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    fig, run = figures.notify_timeline(
        3, "notify", work_ms=1, progress=lambda d, t: seen.append((d, t))
    )
    assert isinstance(fig, Figure) and run.wake_order == [0, 1, 2]
    ax = fig.axes[0]
    assert "(ms)" in ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["waiter 0", "waiter 1", "waiter 2"]
    assert seen[-1] == (3, 3)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("notify()" in text for text in legend)


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"waiters": 0}, ValueError, "waiters"),
        ({"waiters": 33}, ValueError, "waiters"),
        ({"waiters": 2.5}, TypeError, "waiters"),
        ({"mode": "wake"}, ValueError, "mode"),
        ({"mode": 1}, TypeError, "mode"),
        ({"n": 0}, ValueError, "n"),
        ({"work_ms": -1}, ValueError, "work_ms"),
        ({"work_ms": "5"}, TypeError, "work_ms"),
        ({"implementation": "mine"}, ValueError, "implementation"),
    ],
)
def test_notify_timeline_validates(
    kwargs: dict[str, Any], error: type[Exception], word: str
) -> None:
    with pytest.raises(error, match=word):
        figures.notify_timeline(**kwargs)
