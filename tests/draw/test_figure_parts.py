"""The small shared pieces every figure is built from: where a plot draws, and how bar charts
and run timelines end."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from helpers.core import timing
from helpers.draw import plots, timeline


def test_axes_for_draws_on_the_given_panel_or_on_a_new_one_panel_figure() -> None:
    fig, (_, right) = plt.subplots(1, 2)
    try:
        assert plots.axes_for(right) == (fig, right)
        new_fig, ax = plots.axes_for(None, height=2.0)
        assert new_fig is not fig and new_fig.axes == [ax]
        assert new_fig.get_figheight() == pytest.approx(2.0)
    finally:
        plt.close("all")


def test_finish_adds_the_small_legend_where_asked_and_can_start_the_values_at_zero() -> None:
    fig, (plain, placed) = plots.new_figure(ncols=2)
    for ax in (plain, placed):
        ax.plot([1, 2], [5, 6], label="measured")
    plots.finish(plain, xlabel="workers", ylabel="speedup (×)")
    plots.finish(
        placed, xlabel="workers", ylabel="speedup (×)", legend="lower right", y_from_zero=True
    )
    assert plain.get_legend() is None and plain.get_ylim()[0] > 0
    legend = placed.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["measured"]
    assert legend._loc == 4  # matplotlib's code for "lower right"
    assert placed.get_ylim()[0] == 0
    assert (placed.get_xlabel(), placed.get_ylabel()) == ("workers", "speedup (×)")
    plt.close(fig)


def test_finish_refuses_a_legend_place_matplotlib_does_not_have() -> None:
    fig, (ax,) = plots.new_figure()
    with pytest.raises(ValueError, match="legend"):
        plots.finish(ax, xlabel="x", ylabel="y", legend="top")
    plt.close(fig)


def test_finish_bars_writes_each_value_at_its_bar_puts_the_first_row_on_top_and_labels() -> None:
    fig, (ax,) = plots.new_figure()
    values = [120.0, 3.5]
    ax.barh(["first", "second"], values)
    plots.finish_bars(ax, values, value_format="{:.1f} ns", xlabel="cost (ns)", title="Costs")
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts == ["120.0 ns", "3.5 ns"]
    bottom, top = ax.get_ylim()
    assert bottom > top  # inverted: row 0 ("first") is drawn at the top
    assert (ax.get_xlabel(), ax.get_title()) == ("cost (ns)", "Costs")
    assert not any(line.get_visible() for line in ax.yaxis.get_gridlines())
    plt.close(fig)


def test_finish_bars_refuses_a_value_that_is_not_a_number() -> None:
    fig, (ax,) = plots.new_figure()
    with pytest.raises(TypeError, match="values"):
        plots.finish_bars(ax, ["fast"], value_format="{}", xlabel="x")  # type: ignore[list-item]
    plt.close(fig)


def test_a_run_timeline_ends_at_the_runs_wall_time_and_says_what_ran() -> None:
    run = timing.run_tasks("io", "threads", 2, tasks=2, task_seconds=0.01)
    fig, (ax,) = plots.new_figure()
    timeline.finish_run_timeline(ax, run, ylabel="thread")
    assert ax.get_ylabel() == "thread" and "(ms)" in ax.get_xlabel()
    assert ax.get_xlim()[1] == pytest.approx(max(run.wall * 1e3 * 1.02, 1.0))
    assert ax.get_title() == f"{run.describe()}: {run.wall * 1e3:.0f} ms"
    timeline.finish_run_timeline(ax, run, ylabel="thread", title="Mine")
    assert ax.get_title() == "Mine"
    plt.close(fig)
