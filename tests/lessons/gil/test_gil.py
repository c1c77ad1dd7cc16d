"""helpers.gil: the switch interval, turn-taking, C vs Python on threads, scaling, features."""

from __future__ import annotations

import sys
import threading

import pytest
from matplotlib.figure import Figure

from helpers.core import machine, timing
from helpers.core.workloads import TaskRecord
from helpers.lessons.gil import gil

GIL_ON = machine.gil_enabled()


def record(index: int, thread: int, running: tuple[tuple[float, float], ...]) -> TaskRecord:
    return TaskRecord(
        index=index,
        kind="cpu",
        pid=1,
        thread_id=thread,
        thread_name=f"t{thread}",
        start=running[0][0],
        end=running[-1][1],
        running=running,
    )


def fake_run(records: list[TaskRecord], workers: int = 2) -> timing.RunResult:
    return timing.RunResult(
        kind="cpu",
        executor="threads",
        workers=workers,
        start_method=None,
        task_seconds=0.01,
        t0=0.0,
        wall=max(r.end for r in records),
        startup_seconds=0.0,
        records=tuple(records),
        cores=2,
    )


@pytest.fixture
def no_new_threads():
    """Fail the test if it leaves a thread running that was not there before it."""
    before = set(threading.enumerate())
    yield
    assert [t.name for t in threading.enumerate() if t not in before] == []


# --- the switch interval ---------------------------------------------------------------------


def test_switch_interval_is_set_inside_and_restored_after() -> None:
    before = sys.getswitchinterval()
    with gil.switch_interval(0.02) as previous:
        assert sys.getswitchinterval() == pytest.approx(0.02)
        assert previous == before
    assert sys.getswitchinterval() == before


def test_switch_interval_is_restored_when_the_block_raises() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(KeyError), gil.switch_interval(0.03):
        raise KeyError("boom")
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (2.0, ValueError), ("1", TypeError)])
def test_switch_interval_validates(value: object, error: type[Exception]) -> None:
    before = sys.getswitchinterval()
    with pytest.raises(error, match="seconds"), gil.switch_interval(value):  # type: ignore[arg-type]
        pass
    assert sys.getswitchinterval() == before


# --- turns and hand-overs --------------------------------------------------------------------


def test_turns_merge_consecutive_pieces_of_one_worker_and_count_handoffs() -> None:
    run = fake_run(
        [
            record(0, thread=10, running=((0.0, 1.0), (3.0, 4.0))),
            record(1, thread=20, running=((1.5, 2.5), (4.5, 5.0))),
            record(2, thread=10, running=((5.2, 6.0),)),
        ]
    )
    turns = gil.turns_of(run)
    assert [(t.worker, t.start, t.end) for t in turns] == [
        (0, 0.0, 1.0),
        (1, 1.5, 2.5),
        (0, 3.0, 4.0),
        (1, 4.5, 5.0),
        (0, 5.2, 6.0),
    ]
    assert gil.handoffs(turns) == 4


def test_one_worker_never_hands_over() -> None:
    run = fake_run(
        [
            record(0, thread=1, running=((0.0, 1.0),)),
            record(1, thread=1, running=((1.0, 2.0), (2.5, 3.0))),
        ],
        workers=1,
    )
    turns = gil.turns_of(run)
    assert len(turns) == 1 and (turns[0].start, turns[0].end) == (0.0, 3.0)
    assert gil.handoffs(turns) == 0


def test_plot_turns_adds_a_gil_row_for_cpu_work_only() -> None:
    run = fake_run(
        [
            record(0, thread=10, running=((0.0, 1.0), (2.0, 3.0))),
            record(1, thread=20, running=((1.0, 2.0),)),
        ]
    )
    ax = gil.plot_turns(run).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] in ("GIL held by", "running Python") and labels[1:] == ["thread 1", "thread 2"]
    assert "(ms)" in ax.get_xlabel()
    io = timing.RunResult(**{**run.__dict__, "kind": "io"})
    io_labels = [t.get_text() for t in gil.plot_turns(io).axes[0].get_yticklabels()]
    assert io_labels == ["thread 1", "thread 2"]


@pytest.mark.skipif(not GIL_ON, reason="turn-taking is a property of the GIL")
def test_cpu_threads_take_turns_and_io_threads_overlap(no_new_threads: None) -> None:
    fig, runs = gil.threads_at_work(threads=2, task_ms=30)
    assert isinstance(fig, Figure) and set(runs) == {"cpu", "io"}
    cpu, io = runs["cpu"], runs["io"]
    assert sorted(r.index for r in cpu.run.records) == [0, 1]
    assert all(p >= 1 for p in cpu.pauses()) and cpu.handoffs >= 1
    assert io.run.concurrency() == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"threads": 0}, ValueError, "threads"),
        ({"threads": 99}, ValueError, "threads must be between 1 and 8"),
        ({"task_ms": "60"}, TypeError, "task_ms"),
        ({"task_ms": 0.5}, ValueError, "task_ms"),
    ],
)
def test_threads_at_work_validates(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gil.threads_at_work(**kwargs)


# --- the switch interval demo ----------------------------------------------------------------


def test_wakeup_delays_give_one_sample_per_sleep(
    no_new_threads: None,
) -> None:
    delays = gil.wakeup_delays(samples=4)
    assert len(delays) == 4 and all(d >= 0 for d in delays)


def test_switch_interval_demo_restores_and_reports(
    no_new_threads: None,
) -> None:
    before = sys.getswitchinterval()
    progress: list[tuple[int, int]] = []
    fig, runs = gil.switch_interval_demo(
        intervals_ms=[2, 10], task_ms=20, wakeups=3, progress=lambda d, t: progress.append((d, t))
    )
    assert sys.getswitchinterval() == before
    assert [r.interval for r in runs] == [0.002, 0.010]
    assert progress[-1] == (2, 2)
    for r in runs:
        assert sorted(rec.index for rec in r.run.records) == [0, 1]
        assert len(r.delays) == 3 and r.median_turn >= 0
    assert len(fig.axes) == 3  # a timeline per interval and the summary
    summary = next(ax for ax in fig.axes if ax.get_label() == "summary")
    assert "switch interval (ms" in summary.get_xlabel() and "(ms" in summary.get_ylabel()


@pytest.mark.parametrize(
    ("intervals", "error", "match"),
    [
        ([], TypeError, "non-empty"),
        ("5", TypeError, "non-empty"),
        ([0.5], ValueError, "between 1 and 100"),
        ([5, "x"], TypeError, "numbers of milliseconds"),
    ],
)
def test_switch_interval_demo_validates(intervals: object, error: type, match: str) -> None:
    before = sys.getswitchinterval()
    with pytest.raises(error, match=match):
        gil.switch_interval_demo(intervals_ms=intervals)  # type: ignore[arg-type]
    assert sys.getswitchinterval() == before


# --- C vs Python, scaling --------------------------------------------------------------------


def test_c_versus_python_measures_both_kinds_at_every_count(no_new_threads: None) -> None:
    fig, data = gil.c_versus_python(workers=[2, 1, 2], tasks=2, task_ms=10)
    assert set(data) == {"cpu", "hash"}
    for kind, measurements in data.items():
        assert [m.run.workers for m in measurements] == [1, 2]  # sorted, duplicates dropped
        assert all(m.run.kind == kind and m.run.executor == "threads" for m in measurements)
        # one serial baseline per kind, shared by every worker count
        assert len({id(m.serial) for m in measurements}) == 1
    assert any("speedup" in ax.get_ylabel() for ax in fig.axes)


def test_c_versus_python_validates_workers() -> None:
    with pytest.raises(TypeError, match="workers"):
        gil.c_versus_python(workers=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers must be between 1 and 16"):
        gil.c_versus_python(workers=[1, 17])


def test_scaling_covers_threads_processes_and_io(no_new_threads: None) -> None:
    done: list[tuple[int, int]] = []
    fig, data = gil.scaling(
        max_workers=2, tasks=2, task_ms=5, progress=lambda d, t: done.append((d, t))
    )
    assert set(data) == {("cpu", "threads"), ("cpu", "processes"), ("io", "threads")}
    for measurements in data.values():
        assert [m.run.workers for m in measurements] == [1, 2]
        assert all(sorted(r.index for r in m.run.records) == [0, 1] for m in measurements)
    assert done[-1][0] == done[-1][1]  # progress reaches its total
    assert len(fig.axes) == 2


def test_scaling_validates() -> None:
    with pytest.raises(ValueError, match="max_workers"):
        gil.scaling(max_workers=0)
    with pytest.raises(ValueError, match="start_method"):
        gil.scaling(max_workers=1, start_method="teleport")


def _measurement(kind: str, executor: str, workers: int, speedup: float) -> timing.Measurement:
    records = tuple(
        TaskRecord(i, kind, 1, 1, "t", 0.0, 0.1, ((0.0, 0.1),) if kind == "cpu" else ())
        for i in range(4)
    )

    def run(ex: str, wall: float) -> timing.RunResult:
        return timing.RunResult(kind, ex, workers, None, 0.1, 0.0, wall, 0.0, records, 2)

    return timing.Measurement(serial=run("serial", 1.0), run=run(executor, 1.0 / speedup))


def test_describe_scaling_adapts_to_one_core() -> None:
    data = {
        ("cpu", "threads"): [_measurement("cpu", "threads", w, 1.0) for w in (1, 2)],
        ("cpu", "processes"): [
            _measurement("cpu", "processes", w, s) for w, s in ((1, 1), (2, 1.9))
        ],
        ("io", "threads"): [_measurement("io", "threads", w, w) for w in (1, 2)],
    }
    many = gil.describe_scaling(data, cores=2)
    assert "1.90x (with 2 processes)" in many and "2 usable cores" in many
    assert "(with 2 threads)" in many
    one = gil.describe_scaling(data, cores=1)
    assert "one usable core" in one and "cannot beat threads" in one


def test_interpreter_features_are_evaluated_live() -> None:
    features = gil.interpreter_features()
    assert features.has_is_gil_enabled == hasattr(sys, "_is_gil_enabled")
    assert features.gil_enabled == machine.gil_enabled()
    assert features.free_threaded_build == machine.free_threaded_build()
    assert features.interpreter_pool == (sys.version_info >= (3, 14))
    text = str(features)
    assert "_is_gil_enabled" in text and "PEP 734" in text
