"""Hand-made runs for the tests of notebook 01's turn-taking analysis and figures: the
recorded intervals are chosen, so turns and rows can be asserted exactly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpers.core import timing
from helpers.core.workloads import TaskRecord

Interval = tuple[float, float]


def _record(index: int, thread: int, running: tuple[Interval, ...]) -> TaskRecord:
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


def _fake_run(records: list[TaskRecord], workers: int = 2) -> timing.RunResult:
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
def record() -> Callable[..., TaskRecord]:
    """``record(index, thread=..., running=...)``: a CPU-bound task that ran in ``running``."""
    return _record


@pytest.fixture
def fake_run() -> Callable[..., timing.RunResult]:
    """``fake_run(records, workers=2)``: a thread-pool run of those records."""
    return _fake_run
