"""helpers.plots, helpers.timeline, helpers.explore and helpers.widgets."""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import pytest
import traitlets
from matplotlib.figure import Figure

from helpers.core import machine, timing
from helpers.core.domains import Count, Progress, domains_of, is_validated, validated
from helpers.draw import explore, plots, timeline, widgets


@pytest.fixture(scope="module")
def cpu_threads() -> timing.Measurement:
    return timing.measure("cpu", "threads", 2, tasks=4, task_seconds=0.01)


def labels_of(fig: Figure) -> list[tuple[str, str]]:
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]


def test_timeline_has_one_row_per_worker_and_a_bar_per_task(
    cpu_threads: timing.Measurement,
) -> None:
    run = cpu_threads.run
    fig = timeline.plot_timeline(run)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == list(run.worker_labels().values())
    assert "(ms)" in ax.get_xlabel() and ax.get_ylabel() == "worker"
    # one faded bar per task, plus a solid collection per task with running intervals
    assert len(ax.collections) == run.tasks + sum(1 for r in run.records if r.running)


def test_timeline_legend_names_what_solid_and_faded_mean(cpu_threads: timing.Measurement) -> None:
    ax = timeline.plot_timeline(cpu_threads.run).axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 2
    # The GIL is named exactly where there is one: a free-threaded build has none to wait for.
    assert any("GIL" in t for t in texts) is machine.gil_enabled()


def test_the_legend_says_what_waiting_means_on_each_build() -> None:
    with_gil, without = timeline.legends(True), timeline.legends(False)
    assert "GIL" in with_gil["cpu"][0] and "GIL" in with_gil["cpu"][1]
    assert not any("GIL" in text for pair in without.values() for text in pair)
    assert "core" in without["cpu"][1]


def test_speedup_plot_draws_measured_ideal_and_limit(cpu_threads: timing.Measurement) -> None:
    series = {"threads": [cpu_threads]}
    fig = plots.plot_speedup(series)
    (ax,) = fig.axes
    names = [line.get_label() for line in ax.get_lines()]
    assert any(n.startswith("ideal") for n in names) and "measured: threads" in names
    assert ax.get_xlabel() == "workers" and "speedup" in ax.get_ylabel()
    measured = next(line for line in ax.get_lines() if line.get_label() == "measured: threads")
    assert list(measured.get_ydata()) == [cpu_threads.speedup]


def test_speedup_plot_shows_the_core_limit_when_workers_exceed_cores() -> None:
    m = timing.measure("cpu", "threads", 3, tasks=3, task_seconds=0.005)
    few_cores = timing.RunResult(**{**m.run.__dict__, "cores": 1})
    fig = plots.plot_speedup([timing.Measurement(m.serial, few_cores)])
    names = [line.get_label() for line in fig.axes[0].get_lines()]
    assert any("1 usable cores" in n for n in names)


def test_plot_lines_validates_lengths() -> None:
    fig = plots.plot_lines([1, 2], {"a": [1, 2], "b": [2, 3]}, xlabel="x (s)", ylabel="y (items/s)")
    assert labels_of(fig) == [("x (s)", "y (items/s)")]
    with pytest.raises(ValueError, match="series 'a' has 1 values for 2 x values"):
        plots.plot_lines([1, 2], {"a": [1]}, xlabel="x", ylabel="y")


def test_palette_is_the_okabe_ito_set() -> None:
    assert len(set(plots.PALETTE)) == 8 and plots.colour(8) == plots.colour(0)


def test_explore_workers_returns_a_figure_and_builds_history() -> None:
    history = explore.SpeedupHistory()
    fig = explore.explore_workers("io", "threads", 1, tasks=2, task_ms=10, history=history)
    fig2 = explore.explore_workers("io", "threads", 2, tasks=2, task_ms=10, history=history)
    assert isinstance(fig, Figure) and isinstance(fig2, Figure)
    (curve,) = history.points.values()
    assert sorted(curve) == [1, 2]
    assert len(history.baselines) == 1  # the serial run was reused
    assert all(xl and yl for xl, yl in labels_of(fig2))


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"task_ms": 0}, ValueError, "task_ms must be between 1 and 5000"),
        ({"task_ms": "40"}, TypeError, "task_ms must be a number"),
        ({"workers": 0}, ValueError, "workers must be between 1 and 256; got 0"),
        ({"kind": "gpu"}, ValueError, "kind must be one of"),
        ({"executor": "fibers"}, ValueError, "executor must be one of"),
    ],
)
def test_explore_workers_rejects_bad_arguments(kwargs: dict, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        explore.explore_workers(**{"tasks": 1, "task_ms": 10, **kwargs})


def test_compare_executors_draws_one_panel_per_kind_and_executor() -> None:
    seen: list[tuple[int, int]] = []
    fig, runs = explore.compare_executors(
        workers=2, tasks=2, task_ms=10, progress=lambda d, t: seen.append((d, t))
    )
    assert len(fig.axes) == 4 and len(runs) == 4
    assert [(m.run.kind, m.run.executor) for m in runs] == [
        ("cpu", "threads"),
        ("cpu", "processes"),
        ("io", "threads"),
        ("io", "processes"),
    ]
    assert seen[-1] == (12, 12)  # 2 kinds x (serial + 2 executors) x 2 tasks
    with pytest.raises(ValueError, match="kinds must be one of"):
        explore.compare_executors(kinds=("gpu",))


def test_worker_explorer_callback_draws_and_reports_progress() -> None:
    explorer = widgets.worker_explorer(kind="io", workers=2, tasks=2, task_ms=10)
    explorer.controls["workers"].value = 3
    fig = explorer.run()
    assert isinstance(fig, Figure) and explorer.figure is fig and explorer.error is None
    assert explorer.progress.value == explorer.progress.max == 4  # serial + threads, 2 tasks each
    assert explorer.progress.bar_style == "success" and "Done" in explorer.status.value
    assert not explorer.button.disabled


def test_controls_cannot_produce_invalid_values() -> None:
    explorer = widgets.worker_explorer()
    workers = explorer.controls["workers"]
    workers.value = 0
    assert workers.value == workers.min == 1
    workers.value = 10_000
    assert workers.value == workers.max
    with pytest.raises(traitlets.TraitError):
        explorer.controls["executor"].value = "fibers"


def test_explorer_shows_errors_instead_of_raising() -> None:
    def broken(*, n: int, progress: object) -> Figure:
        raise ValueError(f"n must be even; got {n}")

    explorer = widgets.Explorer(broken, {"n": widgets.int_slider("n", 3, 1, 5)})
    assert explorer.run() is None
    assert isinstance(explorer.error, ValueError)
    assert "n must be even; got 3" in explorer.status.value
    assert explorer.progress.bar_style == "danger" and not explorer.button.disabled


def test_run_then_draw_takes_the_runs_parameters_and_checks_them_before_running() -> None:
    started: list[int] = []

    @validated
    def count_up(count: Count = 2, *, progress: Progress = None) -> list[int]:
        started.append(count)
        return list(range(count))

    @explore.run_then_draw(count_up)
    def draw_count(numbers: list[int]) -> Figure:
        """Draw the numbers."""
        fig, (ax,) = plots.new_figure()
        ax.plot(numbers)
        return fig

    assert list(inspect.signature(draw_count).parameters) == ["count", "progress"]
    assert domains_of(draw_count) == domains_of(count_up)
    assert is_validated(draw_count)
    assert (draw_count.__name__, draw_count.__doc__) == ("draw_count", "Draw the numbers.")
    fig, numbers = draw_count(3)
    assert isinstance(fig, Figure) and numbers == [0, 1, 2]
    plt.close(fig)
    with pytest.raises(ValueError, match="count"):
        draw_count(count=0)
    assert started == [3], "the bad value reached the run"


def test_run_then_draw_refuses_a_run_that_checks_nothing() -> None:
    def unchecked(count: int) -> int:
        return count

    with pytest.raises(TypeError, match="@validated"):
        explore.run_then_draw(unchecked)
