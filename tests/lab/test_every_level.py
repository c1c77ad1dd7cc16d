"""Every level of every lesson (``helpers/lessons/<slug>/levels.py``, found through the course
manifest): each goal is reachable, its shortest schedule replays to the same failure 100
times in a row, every correct version holds over the whole search, and the level can be
played headless. Facts only, never timings."""

from __future__ import annotations

import importlib
import importlib.util

import course  # tools/course.py: tests/conftest.py puts tools/ on the path
import pytest

from helpers.lab import Level
from helpers.lab.widget import Scheduler


def _levels() -> list[tuple[str, Level]]:
    found = []
    for lesson in course.LESSONS:
        name = f"helpers.lessons.{lesson.slug}.levels"
        if importlib.util.find_spec(name) is not None:
            found += [(lesson.slug, level) for level in importlib.import_module(name).LEVELS]
    return found


LEVELS = _levels()
IDS = [f"{slug}-{level.key}" for slug, level in LEVELS]


def test_the_lessons_with_levels_are_03_to_07() -> None:
    with_levels = {slug for slug, _ in LEVELS}
    assert with_levels == {lesson.slug for lesson in course.LESSONS[3:8]}, with_levels


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=IDS)
def test_the_goal_is_reached_and_replays_the_same_way_100_times(slug: str, level: Level) -> None:
    report = level.verify(replays=100)
    assert report.search.counterexample is not None, str(report)
    assert level.goal(report.search.counterexample.outcome)
    assert report.same_replays == 100, str(report)


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=IDS)
def test_every_correct_version_holds_over_the_whole_search(slug: str, level: Level) -> None:
    proofs = level.prove_fixed()
    assert proofs and len(proofs) >= 2  # the model fix and another correct version
    for name, verdict in proofs.items():
        assert verdict.ok and verdict.exhausted, f"{name}: {verdict}"


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=IDS)
def test_the_level_can_be_played_headless(slug: str, level: Level) -> None:
    assert level.goal.sentence and level.hint and level.fix
    scheduler = Scheduler(level)
    assert scheduler.status_kind == "running"
    scheduler.show_me()
    assert scheduler.goal_reached, scheduler.status
    assert "lab-status-goal" in scheduler.html()
