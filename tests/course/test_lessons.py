"""Every lesson follows the course template (see CONTRIBUTING.md)."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.md"))


def cells_of(lesson: Path) -> list:
    return jupytext.read(lesson, fmt="md:myst").cells


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_follows_the_template(lesson: Path) -> None:
    cells = cells_of(lesson)
    code = [c for c in cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    number = lesson.stem.split("_")[0]

    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {number} ·")
    for heading in ("You will learn", "Prerequisites", "Time", "Key points"):
        assert heading in text, f"{lesson.name}: no {heading!r} section"
    setup = next((c.source for c in code if "leftovers.snapshot()" in c.source), "")
    assert "machine.report()" in setup, f"{lesson.name}: the setup cell must report the machine"
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, f"{lesson.name}: needs exactly one cell tagged `parameters`"
    assert code[-1].source.strip() == "leftovers.assert_nothing_left(baseline)", (
        f"{lesson.name}: the last code cell must check that nothing is left running"
    )
    exercises = re.findall(r"(?m)^(?:\*\*|#+ )Exercise \d+", text)
    assert len(exercises) >= 3, f"{lesson.name}: at least three exercises, found {len(exercises)}"
    assert text.count("<details>") >= len(exercises), f"{lesson.name}: fold every solution"
