"""Every lesson follows the course template (CONTRIBUTING.md) and agrees with course.toml."""

from __future__ import annotations

import re

import course
import jupytext
import pytest

LESSONS = course.LESSONS


def cells_of(lesson: course.Lesson) -> list:
    return jupytext.read(lesson.lesson_path, fmt="md:myst").cells


def header_of(lesson: course.Lesson) -> str:
    """The text before the first `+++` break: title, objectives, prerequisites, time."""
    return lesson.lesson_path.read_text(encoding="utf-8").split("\n+++", 1)[0]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_lesson_follows_the_template(lesson: course.Lesson) -> None:
    cells = cells_of(lesson)
    code = [c for c in cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    name = lesson.lesson_path.name

    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {lesson.number} ·")
    for heading in ("You will learn", "Prerequisites", "Time", "Key points"):
        assert heading in text, f"{name}: no {heading!r} section"
    setup = next((c.source for c in code if "leftovers.snapshot()" in c.source), "")
    assert "machine.report()" in setup, f"{name}: the setup cell must report the machine"
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, f"{name}: needs exactly one cell tagged `parameters`"
    assert code[-1].source.strip() == "leftovers.assert_nothing_left(baseline)", (
        f"{name}: the last code cell must check that nothing is left running"
    )
    exercises = re.findall(r"(?m)^(?:\*\*|#+ )Exercise \d+", text)
    assert len(exercises) >= 3, f"{name}: at least three exercises, found {len(exercises)}"
    assert text.count("<details>") >= len(exercises), f"{name}: fold every solution"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_lesson_agrees_with_the_manifest(lesson: course.Lesson) -> None:
    header = header_of(lesson)
    name = lesson.lesson_path.name
    assert header.splitlines()[header.splitlines().index("---", 1) + 2] == f"# {lesson.heading}", (
        f"{name}: the title must be '# {lesson.heading}' (course.toml)"
    )
    minutes = re.search(r"\*\*Time:\*\* about (\d+) minutes", header)
    assert minutes and int(minutes.group(1)) == lesson.minutes, (
        f"{name}: '**Time:** about {lesson.minutes} minutes.' (course.toml)"
    )
    prerequisites = header.split("**Prerequisites:**", 1)[1].split("**Time:**", 1)[0]
    links = re.findall(r"\[([^\]]+)\]\(([^)]+)\.ipynb\)", prerequisites)
    expected = [(course.BY_SLUG[s].heading, course.BY_SLUG[s].stem) for s in lesson.prerequisites]
    assert links == expected, f"{name}: prerequisites must link {expected} (course.toml)"


def test_every_lesson_has_its_code_and_tests_under_its_slug() -> None:
    for lesson in LESSONS:
        assert lesson.lesson_path.exists() and lesson.notebook_path.exists(), lesson.slug
        assert (lesson.code_path / "__init__.py").exists(), f"no helpers/lessons/{lesson.slug}/"
        assert (lesson.code_path / "exercises.py").exists(), f"{lesson.slug}: no exercises.py"
        assert list(lesson.tests_path.glob("test_*.py")), f"no tests/lessons/{lesson.slug}/"


def test_the_manifest_rejects_what_would_break_the_course(tmp_path) -> None:
    bad = tmp_path / "course.toml"
    entry = 'number = "{n}"\nslug = "{s}"\ntitle = "T"\nminutes = 5\nsummary = "x"\n'
    bad.write_text(
        "[[lesson]]\n" + entry.format(n="00", s="a") + "[[lesson]]\n" + entry.format(n="02", s="b")
    )
    with pytest.raises(ValueError, match="numbered 00, 01"):
        course.load(bad)
    bad.write_text(
        "[[lesson]]\n" + entry.format(n="00", s="a") + "[[lesson]]\n" + entry.format(n="01", s="a")
    )
    with pytest.raises(ValueError, match="slug 'a'"):
        course.load(bad)
    bad.write_text("[[lesson]]\n" + entry.format(n="00", s="a") + 'prerequisites = ["b"]\n')
    with pytest.raises(ValueError, match="needs earlier lessons"):
        course.load(bad)
