"""helpers.procs: the functions notebook 08's children run, and its measurements.

Process code runs under the platform's default start method and under ``spawn``.
"""

from __future__ import annotations

import sys
import threading

import pytest
from matplotlib.figure import Figure

from helpers.core import leftovers, machine
from helpers.lessons.multiprocessing import procs

METHODS = ["default", "spawn"]


@pytest.fixture(params=METHODS)
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test under the platform default and under spawn, via the course's switch."""
    if request.param == "default":
        monkeypatch.delenv(machine.START_METHOD_ENV, raising=False)
    else:
        monkeypatch.setenv(machine.START_METHOD_ENV, request.param)
    return machine.start_method()


@pytest.fixture(autouse=True)
def nothing_left() -> object:
    baseline = leftovers.snapshot()
    yield
    leftovers.assert_nothing_left(baseline)


def test_child_functions_compute_in_process() -> None:
    assert procs.square(7) == 49
    assert procs.cube(3) == 27
    assert procs.add(2, 5) == 7
    assert procs.slow_square(4, 0) == 16
    assert procs.nap(0) == 0
    me = procs.whoami("ignored")
    assert me.name == "MainProcess" and me.pid > 0
    with pytest.raises(ValueError, match="boom"):
        procs.fail("boom")
    with pytest.raises(ValueError):
        procs.parse_number("forty-two")
    pid, start, end = procs.timed_spin(100)
    assert start <= end and pid == me.pid


@pytest.mark.parametrize(
    ("code", "words"),
    [(None, "still running"), (0, "normally"), (1, "status 1"), (-15, "signal 15")],
)
def test_describe_exitcode(code: int | None, words: str) -> None:
    assert words in procs.describe_exitcode(code)


def test_default_start_methods_follow_the_docs() -> None:
    assert procs.default_start_method("Linux", (3, 13)) == "fork"
    assert procs.default_start_method("Linux", (3, 14)) == "forkserver"
    assert procs.default_start_method("macOS", (3, 7)) == "fork"
    assert procs.default_start_method("macOS", (3, 8)) == "spawn"
    assert procs.default_start_method("Windows", (3, 12)) == "spawn"
    with pytest.raises(ValueError, match="platform must be one of"):
        procs.default_start_method("BeOS", (3, 12))


def test_core_counts_name_each_source() -> None:
    counts = procs.core_counts()
    assert counts["machine.usable_cores()"] == machine.usable_cores()
    assert counts["multiprocessing.cpu_count()"] == counts["os.cpu_count()"]


@pytest.mark.parametrize(
    ("tasks", "workers", "expected"), [(10_000, 4, 625), (10, 4, 1), (17, 1, 5), (2000, 2, 250)]
)
def test_pool_default_chunksize_is_four_chunks_per_worker(
    tasks: int, workers: int, expected: int
) -> None:
    assert procs.pool_default_chunksize(tasks, workers) == expected


def test_speedup_workers_go_past_the_cores() -> None:
    assert procs.speedup_workers(1) == [1, 2]
    assert procs.speedup_workers(2) == [1, 2, 3, 4]
    assert procs.speedup_workers(8) == [1, 2, 4, 8, 9, 16]
    assert max(procs.speedup_workers(64)) <= 32


def test_iterations_for_validates() -> None:
    assert procs.iterations_for(1) >= 1
    assert procs.iterations_for(1000) > procs.iterations_for(10)
    with pytest.raises(TypeError, match="task_us"):
        procs.iterations_for("10")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_us"):
        procs.iterations_for(0)


def test_startup_costs_time_every_start(start_method: str) -> None:
    seen = []
    samples = procs.startup_costs([start_method], repeats=2, progress=lambda d, t: seen.append(d))
    assert [(s.method, s.run) for s in samples] == [(start_method, 0), (start_method, 1)]
    assert all(s.seconds > 0 for s in samples)
    assert seen == [1, 2]
    fig = procs.plot_startup_costs(samples)
    assert isinstance(fig, Figure)
    assert start_method in fig.axes[0].get_xticklabels()[0].get_text()


def test_startup_costs_validate() -> None:
    with pytest.raises(ValueError, match="repeats"):
        procs.startup_costs(repeats=0)
    with pytest.raises(ValueError, match="methods"):
        procs.startup_costs(["teleport"])
    with pytest.raises(ValueError, match="samples"):
        procs.plot_startup_costs([])


@pytest.mark.parametrize("api", ["pool", "executor"])
def test_run_pool_records_every_task(start_method: str, api: str) -> None:
    run = procs.run_pool(workers=2, task_us=100, tasks=20, chunksize=5, api=api)
    assert run.start_method == start_method
    assert len(run.spans) == 20
    assert len({pid for pid, _, _ in run.spans}) <= 2
    assert all(start <= end for _, start, end in run.spans)
    rows = run.rows()
    assert sum(len(spans) for _, spans in rows) == 20
    assert {span.index for _, spans in rows for span in spans} == {0, 1, 2, 3}  # 4 chunks of 5
    assert 0 < run.busy_fraction <= 1.0 + 1e-9


def test_explore_pool_validates_and_draws() -> None:
    with pytest.raises(ValueError, match="workers"):
        procs.explore_pool(workers=0)
    with pytest.raises(ValueError, match="api"):
        procs.explore_pool(api="threads")
    with pytest.raises(ValueError, match="chunksize"):
        procs.explore_pool(chunksize=0)
    with pytest.raises(ValueError, match="tasks"):
        procs.explore_pool(tasks=100_000)
    fig, run = procs.explore_pool(workers=1, task_us=10, tasks=10, chunksize=2)
    assert isinstance(fig, Figure) and len(run.spans) == 10


def test_task_size_sweep_and_plot(start_method: str) -> None:
    points = procs.task_size_sweep([10, 1000], workers=2, budget_seconds=0.01, repeats=1)
    assert [p.task_us for p in points] == [10, 1000]
    assert points[0].tasks > points[1].tasks  # the same budget, cut into smaller tasks
    assert all(1 <= p.processes_used <= 2 for p in points)
    assert isinstance(procs.plot_task_sizes(points), Figure)


def test_chunksize_sweep_covers_both_apis(start_method: str) -> None:
    points, serial = procs.chunksize_sweep((1, 8), tasks=40, task_us=10, workers=2, repeats=1)
    assert [(p.api, p.chunksize) for p in points] == [
        ("pool", 1),
        ("pool", 8),
        ("executor", 1),
        ("executor", 8),
    ]
    assert serial > 0 and all(p.seconds > 0 for p in points)
    assert isinstance(procs.plot_chunksizes(points, serial, tasks=40, workers=2), Figure)
    with pytest.raises(ValueError, match="api"):
        procs.chunksize_sweep((1,), apis=("bogus",))


def test_speedup_curve_runs_every_worker_count(start_method: str) -> None:
    fig, results = procs.speedup_curve(tasks=2, task_ms=10, workers=[1, 2])
    assert [m.run.workers for m in results] == [1, 2]
    assert all(m.run.start_method == start_method for m in results)
    assert isinstance(fig, Figure)


def test_guard_script_without_guard_fails_in_the_child() -> None:
    unguarded = procs.run_guard_script(with_guard=False, start_method="spawn")
    assert "bootstrapping phase" in unguarded.stderr
    assert "exit code is 1" in unguarded.stdout
    guarded = procs.run_guard_script(with_guard=True, start_method="spawn")
    assert "child 1: hello" in guarded.stdout and "exit code is 0" in guarded.stdout
    assert 'if __name__ == "__main__":' in procs.guard_script(True)
    assert "__main__" not in procs.guard_script(False)


@pytest.mark.skipif("fork" not in machine.available_start_methods(), reason="no fork here")
def test_fork_warns_with_threads_from_312() -> None:
    release = threading.Event()
    helper = threading.Thread(target=release.wait, args=(10,))
    helper.start()
    try:
        check = procs.fork_and_record_warnings()
    finally:
        release.set()
        helper.join(10)
    assert check.exitcode == 0 and check.threads >= 2
    if sys.version_info >= (3, 12):
        assert any("fork" in w for w in check.warnings)
    else:
        assert check.warnings == ()


def test_stop_processes_ends_a_sleeper(start_method: str) -> None:
    child = machine.mp_context().Process(target=procs.sleep_then_exit, args=(60,))
    child.start()
    procs.stop_processes([child])
    assert not child.is_alive() and child.exitcode is not None and child.exitcode < 0


def test_pool_explorer_runs_its_controls() -> None:
    explorer = procs.pool_explorer(workers=1, task_us=10, tasks=20, chunksize=4)
    assert explorer.values()["task_us"] == "10" and explorer.values()["chunksize"] == "4"
    figure = explorer.run()
    assert explorer.error is None and isinstance(figure, Figure)
    assert len(explorer.data.spans) == 20
