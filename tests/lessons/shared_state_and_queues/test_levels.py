"""The interleaving-lab levels of this lesson: each goal is reachable, its shortest schedule
replays to the same failure 100 times in a row, and every correct version holds over the
whole search. Facts only, never timings."""

from __future__ import annotations

import pytest

from helpers.lab.widget import Scheduler
from helpers.lessons.shared_state_and_queues.levels import LEVELS


@pytest.mark.parametrize("level", LEVELS, ids=[level.key for level in LEVELS])
def test_the_goal_is_reached_and_replays_the_same_way_100_times(level) -> None:  # type: ignore[no-untyped-def]
    report = level.verify(replays=100)
    assert report.search.counterexample is not None, str(report)
    assert level.goal(report.search.counterexample.outcome)
    assert report.same_replays == 100, str(report)


@pytest.mark.parametrize("level", LEVELS, ids=[level.key for level in LEVELS])
def test_every_correct_version_holds_over_the_whole_search(level) -> None:  # type: ignore[no-untyped-def]
    proofs = level.prove_fixed()
    assert proofs and len(proofs) >= 2  # the model fix and another correct version
    for name, verdict in proofs.items():
        assert verdict.ok and verdict.exhausted, f"{name}: {verdict}"


@pytest.mark.parametrize("level", LEVELS, ids=[level.key for level in LEVELS])
def test_the_level_can_be_played_headless(level) -> None:  # type: ignore[no-untyped-def]
    assert level.goal.sentence and level.hint and level.fix
    scheduler = Scheduler(level)
    assert scheduler.status_kind == "running"
    scheduler.show_me()
    assert scheduler.goal_reached, scheduler.status
    assert "lab-status-goal" in scheduler.html()

