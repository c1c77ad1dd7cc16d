"""helpers.lessons.thread_pool_executor.scenarios: one scenario at a time, safely, and the
interpreter-exit check in a child process."""

from __future__ import annotations

import os
import threading

import pytest

from helpers.core import leftovers
from helpers.lessons.thread_pool_executor.scenarios import (
    exit_after_shutdown_nowait,
    exit_check,
    run_scenario,
)
from helpers.sketches.executor import SyllabusSketch2

PATIENCE = 0.2


def test_the_sketches_are_the_syllabus_code() -> None:
    """The second sketch's default is the old cpu_count * 5; both start every thread at once."""
    pool = SyllabusSketch2()
    try:
        assert pool._max_workers == (os.cpu_count() or 1) * 5
        assert sum(t.is_alive() for t in pool._threads) == pool._max_workers
    finally:
        pool.shutdown(wait=True)  # this sketch's shutdown works when nothing went wrong
    assert not any(t.is_alive() for t in pool._threads)


def test_a_scenario_never_prints_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    hook = threading.excepthook
    outcome = run_scenario("task raises SystemExit", "sketch 2", PATIENCE)
    assert not outcome.ok
    assert threading.excepthook is hook
    assert capsys.readouterr().err == ""


def test_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="scenario must be one of"):
        run_scenario("nope", "standard executor")
    with pytest.raises(ValueError, match="pool must be one of"):
        run_scenario("lazy threads", "nope")
    with pytest.raises(ValueError, match="patience"):
        run_scenario("lazy threads", "standard executor", patience=0)
    with pytest.raises(ValueError, match="pool must be one of"):
        exit_check("nope")


def test_a_sketch_keeps_the_interpreter_from_exiting() -> None:
    baseline = leftovers.snapshot()
    check = exit_check("sketch 1", exit_timeout=0.5)
    assert check.finished_work, check.output
    assert not check.exited and "hung at exit" in str(check)
    assert not leftovers.leftovers(baseline), "the hung child must be killed and reaped"


def test_the_exit_hook_runs_queued_and_running_work_after_shutdown_nowait() -> None:
    """``shutdown(wait=False)`` abandons nothing: at exit the hook joins the worker, which
    finishes the running task and then runs the queued one, after the main thread ended."""
    order = exit_after_shutdown_nowait()
    assert order.returncode == 0, order
    assert order.lines == ("main done", "running task finished", "queued task ran"), order
