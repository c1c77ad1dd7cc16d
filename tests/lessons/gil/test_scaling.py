"""helpers.lessons.gil.scaling: turn-taking threads, C vs Python on threads, and speedup curves."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.core import machine, timing
from helpers.core.workloads import TaskRecord
from helpers.lessons.gil import scaling

GIL_ON = machine.gil_enabled()


@pytest.mark.skipif(not GIL_ON, reason="turn-taking is a property of the GIL")
def test_cpu_threads_take_turns_and_io_threads_overlap(no_new_threads: None) -> None:
    fig, runs = scaling.threads_at_work(threads=2, task_ms=30)
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
        scaling.threads_at_work(**kwargs)


def test_c_versus_python_measures_both_kinds_at_every_count(no_new_threads: None) -> None:
    fig, data = scaling.c_versus_python(workers=[2, 1, 2], tasks=2, task_ms=10)
    assert set(data) == {"cpu", "hash"}
    for kind, measurements in data.items():
        assert [m.run.workers for m in measurements] == [1, 2]  # sorted, duplicates dropped
        assert all(m.run.kind == kind and m.run.executor == "threads" for m in measurements)
        # one serial baseline per kind, shared by every worker count
        assert len({id(m.serial) for m in measurements}) == 1
    assert any("speedup" in ax.get_ylabel() for ax in fig.axes)


def test_c_versus_python_validates_workers() -> None:
    with pytest.raises(TypeError, match="workers"):
        scaling.c_versus_python(workers=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers must be between 1 and 16"):
        scaling.c_versus_python(workers=[1, 17])


def test_scaling_covers_threads_processes_and_io(no_new_threads: None) -> None:
    done: list[tuple[int, int]] = []
    fig, data = scaling.scaling(
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
        scaling.scaling(max_workers=0)
    with pytest.raises(ValueError, match="start_method"):
        scaling.scaling(max_workers=1, start_method="teleport")


def _measurement(kind: str, executor: str, workers: int, speedup: float) -> timing.Measurement:
    records = tuple(
        TaskRecord(
            index=i,
            kind=kind,
            pid=1,
            thread_id=1,
            thread_name="t",
            start=0.0,
            end=0.1,
            running=((0.0, 0.1),) if kind == "cpu" else (),
        )
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
    many = scaling.describe_scaling(data, cores=2, gil=True)
    assert "1.90x (with 2 processes)" in many and "2 usable cores" in many
    assert "(with 2 threads)" in many and "take turns" in many and "own GIL" in many
    one = scaling.describe_scaling(data, cores=1, gil=True)
    assert "one usable core" in one and "cannot beat threads" in one


def test_describe_scaling_without_the_gil_never_says_threads_take_turns_on_it() -> None:
    data = {
        ("cpu", "threads"): [_measurement("cpu", "threads", w, s) for w, s in ((1, 1), (2, 1.9))],
        ("cpu", "processes"): [
            _measurement("cpu", "processes", w, s) for w, s in ((1, 1), (2, 1.9))
        ],
        ("io", "threads"): [_measurement("io", "threads", w, w) for w in (1, 2)],
    }
    many = scaling.describe_scaling(data, cores=2, gil=False)
    assert "at best 1.90x (with 2 threads). The GIL is off" in many
    assert "in parallel" in many and "GIL lets one thread" not in many and "own GIL" not in many
    one = scaling.describe_scaling(data, cores=1, gil=False)
    assert "take turns on the core" in one
    with pytest.raises(TypeError, match="gil"):
        scaling.describe_scaling(data, gil="no")  # type: ignore[arg-type]


def test_describe_scaling_calls_out_what_a_busy_machine_spoiled() -> None:
    data = {
        ("cpu", "threads"): [_measurement("cpu", "threads", w, s) for w, s in ((1, 1), (2, 1.6))],
        ("cpu", "processes"): [_measurement("cpu", "processes", 1, 1.5)],
        ("io", "threads"): [_measurement("io", "threads", w, w) for w in (1, 2)],
    }
    text = scaling.describe_scaling(data, cores=2, gil=True)
    assert "cpu on 2 threads 1.60x, cpu on 1 process 1.50x" in text and "quieter" in text
    assert "quieter" not in scaling.describe_scaling(data, cores=2, gil=False).split("1.60x")[0]
