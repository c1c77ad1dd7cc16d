"""helpers.lessons.condition.comparison: the fact table separates the correct Condition
classes from the syllabus's sketch."""

from __future__ import annotations

import threading

import pytest
from fact_tables import sketch_column  # tests/support/

from helpers.lessons.condition import comparison
from helpers.sketches.condition import BrokenCondition
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_condition_fact_table_separates_correct_from_sketch() -> None:
    table, sketch = sketch_column(
        comparison.compare_conditions,
        real=threading.Condition,
        teaching=TeachingCondition,
        sketch=BrokenCondition,
    )
    assert sketch["notify() wakes waiters first come, first served"] is True
    assert sum(not ok for ok in sketch.values()) == len(sketch) - 1
    assert "✘" in str(table) and "<table>" in table._repr_html_()
