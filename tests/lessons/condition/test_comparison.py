"""helpers.lessons.condition.comparison: the fact table separates the correct Condition
classes from the syllabus's sketch."""

from __future__ import annotations

import threading

import pytest

from helpers.lessons.condition import comparison
from helpers.sketches.condition import BrokenCondition
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_condition_fact_table_separates_correct_from_sketch() -> None:
    table = comparison.compare_conditions(
        {"threading": threading.Condition, "teaching": TeachingCondition, "sketch": BrokenCondition}
    )
    assert all(table.column("threading").values())
    assert table.column("teaching") == table.column("threading")
    sketch = table.column("sketch")
    assert sketch["notify() wakes waiters first come, first served"] is True
    assert sum(not ok for ok in sketch.values()) == len(sketch) - 1
    assert "✘" in str(table) and "<table>" in table._repr_html_()
