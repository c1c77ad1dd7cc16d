"""What the tests of the lessons' fact tables share: the correct classes (``threading``'s and
the course's teaching one) pass every fact alike, and the sketch's column is what is left to
check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def sketch_column(
    compare: Callable[[dict[str, Any]], Any], *, real: type, teaching: type, sketch: type
) -> tuple[Any, dict[str, bool]]:
    """``compare`` the three classes; assert that ``real`` passes every fact and ``teaching``
    exactly the same; return the table and the sketch's column (fact -> passed)."""
    table = compare({"threading": real, "teaching": teaching, "sketch": sketch})
    assert all(table.column("threading").values())
    assert table.column("teaching") == table.column("threading")
    return table, table.column("sketch")
