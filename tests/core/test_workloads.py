"""helpers.workloads: calibrated tasks and their records."""

from __future__ import annotations

import os
import threading
import time

import pytest

from helpers.core import workloads
from helpers.core.workloads import TaskSpec, run_task


def test_spin_is_deterministic() -> None:
    assert workloads.spin(10) == sum(i * i % 7 for i in range(10))
    assert workloads.spin(0) == 0


@pytest.mark.parametrize("kind", list(workloads.WORKLOAD_KINDS))
def test_run_task_records_who_and_when(kind: str) -> None:
    amount = {"cpu": 20_000, "io": 0.01, "hash": 1}[kind]
    before = time.perf_counter()
    record = run_task(TaskSpec(index=3, kind=kind, amount=amount))
    after = time.perf_counter()
    assert record.index == 3 and record.kind == kind
    assert record.pid == os.getpid() and record.thread_id == threading.get_ident()
    assert before <= record.start <= record.end <= after
    for start, end in record.running:
        assert record.start <= start <= end <= record.end
    if kind == "io":
        assert record.running == () and record.duration >= 0.01


def test_cpu_running_intervals_are_ordered_and_split_by_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = iter(range(10_000))
    # A fake clock that jumps by 1 s after the third slice: one pause, so two intervals.
    times = [0.0, 0.0001, 0.0002, 0.0003, 1.0, 1.0001, 1.0002]
    monkeypatch.setattr(time, "perf_counter", lambda: times[min(next(calls), len(times) - 1)])
    intervals = workloads.cpu_with_running_intervals(5_000)
    assert intervals == ((0.0, 0.0003), (1.0, 1.0001))  # 5 slices of 1000 iterations


def test_calibration_scales_with_the_target() -> None:
    short, long = workloads.calibrate("cpu", 0.01), workloads.calibrate("cpu", 0.04)
    assert short >= 1 and long == pytest.approx(4 * short, rel=0.01)
    assert workloads.calibrate("io", 0.25) == 0.25
    assert workloads.calibrate("hash", 0.001) >= 1


def test_calibrated_cpu_task_takes_roughly_its_target() -> None:
    # Generous bounds: this guards against a unit mistake (ms vs s), not against a noisy host.
    spec = workloads.make_tasks("cpu", 1, 0.05)[0]
    record = run_task(spec)
    assert 0.005 < record.duration < 2.0


def test_make_tasks_numbers_the_tasks() -> None:
    specs = workloads.make_tasks("io", 5, 0.01)
    assert [s.index for s in specs] == list(range(5))
    assert {s.kind for s in specs} == {"io"} and {s.amount for s in specs} == {0.01}


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: workloads.make_tasks("gpu", 2, 0.01), ValueError, r"kind must be one of \['cpu'"),
        (lambda: workloads.make_tasks(3, 2, 0.01), TypeError, "kind must be a string"),
        (lambda: workloads.make_tasks("cpu", 0, 0.01), ValueError, "tasks must be >= 1"),
        (lambda: workloads.make_tasks("cpu", 2.0, 0.01), TypeError, "tasks must be an int"),
        (lambda: workloads.make_tasks("cpu", True, 0.01), TypeError, "tasks must be an int"),
        (lambda: workloads.calibrate("cpu", 0), ValueError, "seconds must be > 0"),
        (lambda: workloads.calibrate("cpu", -1), ValueError, "seconds must be > 0"),
        (lambda: workloads.calibrate("cpu", "1"), TypeError, "seconds must be a number"),
        (lambda: workloads.calibrate("cpu", 1e9), ValueError, "<= 60 seconds"),
    ],
)
def test_bad_arguments_are_rejected_by_name(call, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        call()


def test_records_pickle_for_process_pools() -> None:
    import pickle

    record = run_task(TaskSpec(0, "cpu", 1_000))
    assert pickle.loads(pickle.dumps(record)) == record
