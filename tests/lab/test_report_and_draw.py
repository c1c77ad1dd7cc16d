"""The counterexample as a table (text, HTML) and on the course's timeline."""

from __future__ import annotations

from matplotlib.figure import Figure
from programs import Counter, increment
from programs import increment_locked as locked

from helpers.core.spans import Span
from helpers.lab import explore, program, replay
from helpers.lab.draw import plot_schedule, schedule_spans
from helpers.lab.report import html_table, rows, text_table


def lost_update():  # type: ignore[no-untyped-def]
    verdict = explore(
        program(
            {"A": increment, "B": increment},
            setup=Counter,
            check=lambda c: c.value == 2,
            show=lambda c: {"value": c.value},
        )
    )
    assert verdict.counterexample is not None
    return verdict.counterexample


def test_the_table_has_a_column_per_thread_and_marks_the_switches() -> None:
    ce = lost_update()
    table = rows(ce.steps)
    assert [r.thread for r in table] == [r.thread for r in table]  # one row per stretch
    assert any(r.switch for r in table) and not table[0].switch
    text = text_table(ce.steps, ["A", "B"])
    header = text.splitlines()[0]
    assert header.index("A") < header.index("B")
    assert "⇄" in text and "c.value += 1" in text and "value=1" in text
    assert sum(len(r.opnames) for r in table) == len(ce.schedule)  # every step is shown
    page = html_table(ce.steps, ["A", "B"])
    assert page.count("lab-switch") == sum(r.switch for r in table) + 1  # + the CSS rule


def test_the_schedule_on_the_timeline_counts_steps() -> None:
    ce = lost_update()
    spans = schedule_spans(ce.steps, ["A", "B"])
    assert all(isinstance(s, Span) for s in spans)
    assert max(s.end for s in spans) == len(ce.schedule)
    assert sum(s.end - s.start for s in spans if s.running) == len(ce.schedule)
    fig = plot_schedule(ce.steps, ["A", "B"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    assert ax.get_xlabel() == "step" and ax.get_xlim()[1] == len(ce.schedule)


def test_a_blocked_stretch_is_drawn_faded() -> None:
    done = replay(
        program({"A": locked, "B": locked}, setup=Counter, granularity="line"),
        ["A", "B", "A", "A", "B", "B"],
    )
    spans = schedule_spans(done.steps, ["A", "B"])
    blocked = [s for s in spans if s.row == "B" and not s.running]
    assert blocked and blocked[0].note == "blocked"


def test_the_timeline_keeps_milliseconds_by_default() -> None:
    from helpers.draw.plots import new_figure
    from helpers.draw.timeline import draw_spans

    _fig, (ax,) = new_figure()
    draw_spans(ax, [Span(0, 1.0, 1.002, ((1.0, 1.002),), "w")], 1.0)
    assert ax.get_xlim()[1] >= 2.0 - 1e-9  # 2 ms, as before the scale keyword
    _fig2, (ax2,) = new_figure()
    draw_spans(ax2, [Span(0, 0, 5, ((0, 5),), "w")], 0.0, scale=1.0)
    assert 5 <= ax2.get_xlim()[1] < 10  # steps, not thousands
