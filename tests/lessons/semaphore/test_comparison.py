"""helpers.lessons.semaphore.comparison: the fact table separates the correct Semaphore
classes from the syllabus's sketch."""

from __future__ import annotations

import threading

import pytest

from helpers.lessons.semaphore import comparison
from helpers.sketches.semaphore import BrokenSemaphore
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_semaphore_fact_table_separates_correct_from_sketch() -> None:
    table = comparison.compare_semaphores(
        {"threading": threading.Semaphore, "teaching": TeachingSemaphore, "sketch": BrokenSemaphore}
    )
    assert all(table.column("threading").values())
    assert table.column("teaching") == table.column("threading")
    failed = {fact for fact, ok in table.column("sketch").items() if not ok}
    assert failed == {
        "`with sem:` takes a permit and gives it back",
        "release(n) gives back n permits at once",
        "the 5-thread example ends with all 3 permits",
        "after a hand-over, a newcomer gets the free permit",
    }
