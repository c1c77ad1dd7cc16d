"""helpers.lessons.thread_pool_executor.comparison: the syllabus's broken pools fail as
documented, safely, and the table shows it."""

from __future__ import annotations

import pytest

from helpers.core import leftovers
from helpers.lessons.thread_pool_executor.comparison import Comparison, compare
from helpers.lessons.thread_pool_executor.scenarios import POOLS, SCENARIOS, SKETCHES

PATIENCE = 0.2
REAL = ("teaching executor", "standard executor")

# The scenarios each sketch fails. Sketch 1 sends no sentinel: shutdown(wait=True) hangs, but a
# task submitted during shutdown still finds a worker. Sketch 2 sends sentinels, but its submit
# takes no lock, so a task can land behind them.
EXPECTED_FAILURES = {
    "sketch 1": {
        "lazy threads",
        "keyword arguments",
        "shutdown(wait=True)",
        "cancel a pending task",
        "task raises SystemExit",
        "pool dropped without shutdown",
    },
    "sketch 2": {
        "lazy threads",
        "keyword arguments",
        "cancel a pending task",
        "task raises SystemExit",
        "submit during shutdown",
        "pool dropped without shutdown",
    },
}


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    baseline = leftovers.snapshot()
    result = compare(patience=PATIENCE)
    assert not leftovers.leftovers(baseline), "the demos must stop every thread they start"
    return result


def test_every_scenario_ran_on_every_pool(comparison: Comparison) -> None:
    assert len(comparison.outcomes) == len(SCENARIOS) * len(POOLS)
    assert comparison.pools == tuple(POOLS)


@pytest.mark.parametrize("pool", SKETCHES)
def test_each_sketch_fails_exactly_the_documented_scenarios(
    comparison: Comparison, pool: str
) -> None:
    assert set(comparison.failed(pool)) == EXPECTED_FAILURES[pool]


@pytest.mark.parametrize("pool", REAL)
def test_the_real_executors_pass_every_scenario(comparison: Comparison, pool: str) -> None:
    assert comparison.failed(pool) == []
    assert comparison.passed(pool) == list(SCENARIOS)


def test_failures_are_explained_and_dead_workers_reported(comparison: Comparison) -> None:
    cancel = comparison.outcome("cancel a pending task", "sketch 2")
    assert "ran anyway" in cancel.detail and cancel.died == ("InvalidStateError",)
    exit_ = comparison.outcome("task raises SystemExit", "sketch 1")
    assert "never resolved" in exit_.detail and exit_.died == ("SystemExit",)
    keywords = comparison.outcome("keyword arguments", "sketch 1")
    assert "returned 3" in keywords.detail
    race = comparison.outcome("submit during shutdown", "standard executor")
    assert "waited for the submit" in race.detail
    for pool in REAL:
        assert all(not o.died for o in comparison.outcomes if o.pool == pool)


def test_the_table_shows_every_pool_and_scenario(comparison: Comparison) -> None:
    page = comparison._repr_html_()
    text = str(comparison)
    for name in [*POOLS, *SCENARIOS]:
        assert name in page and name in text
    assert text.count("✘") == sum(len(f) for f in EXPECTED_FAILURES.values())


def test_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="pools must be one of"):
        compare(pools=["nope"])
    with pytest.raises(ValueError, match="at least one"):
        compare(scenarios=[])
