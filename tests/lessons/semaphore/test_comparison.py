"""helpers.lessons.semaphore.comparison: the fact table separates the correct Semaphore
classes from the syllabus's sketch."""

from __future__ import annotations

import threading

import pytest
from fact_tables import sketch_column  # tests/support/

from helpers.lessons.semaphore import comparison
from helpers.sketches.semaphore import BrokenSemaphore
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_semaphore_fact_table_separates_correct_from_sketch() -> None:
    _, sketch = sketch_column(
        comparison.compare_semaphores,
        real=threading.Semaphore,
        teaching=TeachingSemaphore,
        sketch=BrokenSemaphore,
    )
    failed = {fact for fact, ok in sketch.items() if not ok}
    assert failed == {
        "`with sem:` takes a permit and gives it back",
        "release(n) gives back n permits at once",
        "the 5-thread example ends with all 3 permits",
        "after a hand-over, a newcomer gets the free permit",
    }
