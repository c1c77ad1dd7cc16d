"""helpers.lessons.start_here.reading: the central picture read for this build and these cores.

Every combination of build (GIL on or off) and cores (one or many) gets its own, true account;
the measured speedups appear in it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpers.core import timing
from helpers.core.workloads import TaskRecord
from helpers.lessons.start_here.reading import read_the_picture

#: One finished task of 100 ms; runs below are four of them, of the kind they need.
_TASK = TaskRecord(index=0, kind="cpu", pid=1, thread_id=1, thread_name="t", start=0.0, end=0.1)


def _measurement(kind: str, executor: str, speedup: float) -> timing.Measurement:
    """Two workers, two cores: a serial run of 1 s, and one ``speedup`` times faster."""
    tasks = tuple(replace(_TASK, index=i, kind=kind) for i in range(4))
    run = timing.RunResult(kind, executor, 2, None, 0.1, 0.0, 1.0 / speedup, 0.0, tasks, 2)
    return timing.Measurement(serial=replace(run, executor="serial", wall=1.0), run=run)


RUNS = [
    _measurement("cpu", "threads", 1.02),
    _measurement("cpu", "processes", 1.93),
    _measurement("io", "threads", 1.98),
    _measurement("io", "processes", 1.97),
]


def test_with_the_gil_threads_take_turns() -> None:
    text = read_the_picture(RUNS, cores=2, gil=True)
    assert "(1.02x)" in text and "only one thread runs Python at a time" in text
    assert "its own GIL" in text and "up to one process per usable core (2)" in text
    assert "1.98x on threads" in text and "neither a core nor the GIL" in text


def test_without_the_gil_threads_run_in_parallel() -> None:
    text = read_the_picture(RUNS, cores=2, gil=False)
    assert "GIL is off" in text and "at the same time" in text
    assert "take turns" not in text and "its own GIL" not in text
    assert "needs no core" in text


@pytest.mark.parametrize("gil", [True, False])
def test_one_core_caps_everything_cpu_bound(gil: bool) -> None:
    text = read_the_picture(RUNS, cores=1, gil=gil)
    assert "one usable core" in text and "cannot beat one after another" in text
    assert ("hand it back and forth" in text) is gil
    assert ("turns on the core" in text) is (not gil)


def test_panels_not_measured_are_left_out_and_arguments_are_checked() -> None:
    assert read_the_picture(RUNS[:1], cores=2, gil=True).count("\n") == 0
    with pytest.raises(TypeError, match="gil"):
        read_the_picture(RUNS, gil=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cores"):
        read_the_picture(RUNS, cores=0)


def test_numbers_a_busy_machine_spoiled_are_called_out() -> None:
    spoiled = [_measurement("cpu", "threads", 1.4), _measurement("io", "threads", 0.9)]
    text = read_the_picture(spoiled, cores=2, gil=True)
    assert "cpu on threads 1.40x, io on threads 0.90x" in text and "quieter" in text
    assert "quieter" not in read_the_picture(RUNS, cores=2, gil=True)
