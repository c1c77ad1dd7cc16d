"""helpers.sketches_executor: the syllabus's broken pools fail as documented, safely."""

from __future__ import annotations

import threading

import pytest

from helpers.core import leftovers
from helpers.lessons.thread_pool_executor import scenarios as sketches_executor
from helpers.lessons.thread_pool_executor.scenarios import (
    POOLS,
    SCENARIOS,
    SKETCHES,
    compare,
    run_scenario,
)

PATIENCE = 0.2
REAL = ("teaching executor", "standard executor")

# What ERRATA 8 says about each sketch: the scenarios each one fails.
EXPECTED_FAILURES = {
    "syllabus sketch 1": {
        "lazy threads",
        "keyword arguments",
        "shutdown(wait=True)",
        "cancel a pending task",
        "task raises SystemExit",
        "pool dropped without shutdown",
    },
    "syllabus sketch 2": {
        "lazy threads",
        "keyword arguments",
        "cancel a pending task",
        "task raises SystemExit",
        "submit during shutdown",
        "pool dropped without shutdown",
    },
}


@pytest.fixture(scope="module")
def comparison() -> sketches_executor.Comparison:
    baseline = leftovers.snapshot()
    result = compare(patience=PATIENCE)
    assert not leftovers.leftovers(baseline), "the demos must stop every thread they start"
    return result


def test_every_scenario_ran_on_every_pool(comparison: sketches_executor.Comparison) -> None:
    assert len(comparison.outcomes) == len(SCENARIOS) * len(POOLS)
    assert comparison.pools == tuple(POOLS)


@pytest.mark.parametrize("pool", SKETCHES)
def test_each_sketch_fails_exactly_the_documented_scenarios(
    comparison: sketches_executor.Comparison, pool: str
) -> None:
    assert set(comparison.failed(pool)) == EXPECTED_FAILURES[pool]


@pytest.mark.parametrize("pool", REAL)
def test_the_real_executors_pass_every_scenario(
    comparison: sketches_executor.Comparison, pool: str
) -> None:
    assert comparison.failed(pool) == []
    assert comparison.passed(pool) == list(SCENARIOS)


def test_failures_are_explained_and_dead_workers_reported(
    comparison: sketches_executor.Comparison,
) -> None:
    cancel = comparison.outcome("cancel a pending task", "syllabus sketch 2")
    assert "ran anyway" in cancel.detail and cancel.died == ("InvalidStateError",)
    exit_ = comparison.outcome("task raises SystemExit", "syllabus sketch 1")
    assert "never resolved" in exit_.detail and exit_.died == ("SystemExit",)
    keywords = comparison.outcome("keyword arguments", "syllabus sketch 1")
    assert "returned 3" in keywords.detail
    race = comparison.outcome("submit during shutdown", "standard executor")
    assert "waited for the submit" in race.detail
    for pool in REAL:
        assert all(not o.died for o in comparison.outcomes if o.pool == pool)


def test_the_table_shows_every_pool_and_scenario(
    comparison: sketches_executor.Comparison,
) -> None:
    page = comparison._repr_html_()
    text = str(comparison)
    for name in [*POOLS, *SCENARIOS]:
        assert name in page and name in text
    assert text.count("✘") == sum(len(f) for f in EXPECTED_FAILURES.values())


def test_the_sketches_are_the_syllabus_code() -> None:
    """The second sketch's default is the old cpu_count * 5; both start every thread at once."""
    pool = sketches_executor.SyllabusSketch2()
    try:
        assert pool._max_workers == (__import__("os").cpu_count() or 1) * 5
        assert sum(t.is_alive() for t in pool._threads) == pool._max_workers
    finally:
        pool.shutdown(wait=True)  # this sketch's shutdown works when nothing went wrong
    assert not any(t.is_alive() for t in pool._threads)


def test_a_scenario_never_prints_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    hook = threading.excepthook
    outcome = run_scenario("task raises SystemExit", "syllabus sketch 2", PATIENCE)
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
    with pytest.raises(ValueError, match="pools must be among"):
        compare(pools=["nope"])
    with pytest.raises(ValueError, match="at least one"):
        compare(scenarios=[])
    with pytest.raises(ValueError, match="pool must be one of"):
        sketches_executor.exit_check("nope")


def test_a_sketch_keeps_the_interpreter_from_exiting() -> None:
    baseline = leftovers.snapshot()
    check = sketches_executor.exit_check("syllabus sketch 1", exit_timeout=0.5)
    assert check.finished_work, check.output
    assert not check.exited and "hung at exit" in str(check)
    assert not leftovers.leftovers(baseline), "the hung child must be killed and reaped"
