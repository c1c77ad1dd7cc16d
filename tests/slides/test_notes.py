"""Instructor notes: every lesson in the manifest has one, covering the four points a teacher
needs (lessons/instructors/README.md), and agreeing with the lesson as it is now."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import course
import pytest
import slide_breaks

NOTES = course.ROOT / "lessons" / "instructors"
HEADINGS = ["## Timing", "## Live demo", "## Misconceptions", "## When the room's machines differ"]
ROW = re.compile(r"^\|\s*(\*\*)?(\d+)(?:\*\*)?\s*\|\s*(.+?)\s*\|\s*$")
CALL = re.compile(r"([A-Za-z_][\w.]*)\(")
_HEADING = re.compile(r"^(#{2,6}) (.+?)\s*$")


@dataclass
class Section:
    level: int
    title: str
    code: list[str] = field(default_factory=list)
    open: bool = True  # until a heading of the same level or above


def sections(lesson: Path) -> list[Section]:
    """The lesson's ``##``-and-deeper headings, in order, each with the code cells under it
    (a heading's code includes that of its subsections)."""
    found: list[Section] = []
    for cell in slide_breaks.parse(lesson.read_text(encoding="utf-8")):
        if cell.kind == "code":
            for section in found:
                if section.open:
                    section.code.append(cell.source)
            continue
        fence = ""
        for line in cell.source.split("\n"):
            if fence:  # a heading inside a fenced block is code, not a heading
                fence = "" if line.startswith(fence) else fence
            elif line.startswith(("```", "~~~")):
                fence = line[:3]
            elif match := _HEADING.match(line):
                level = len(match.group(1))
                for section in found:
                    section.open = section.open and section.level < level
                found.append(Section(level, match.group(2)))
    return found


def _code_under(found: list[Section], title: str) -> list[str] | None:
    for section in found:
        if section.title == title:
            return section.code
    return None


@dataclass
class Note:
    path: Path
    text: str

    def part(self, heading: str) -> str:
        start = self.text.index(heading + "\n") + len(heading) + 1
        rest = self.text[start:]
        following = re.search(r"^## ", rest, re.M)
        return rest[: following.start()] if following else rest

    def field(self, name: str) -> str:
        match = re.search(rf"^- \*\*{name}:\*\* (.+(?:\n  .+)*)", self.part("## Live demo"), re.M)
        assert match, f"{self.path.name}: the live demo needs a '- **{name}:**' line"
        return " ".join(line.strip() for line in match.group(1).split("\n"))


LESSONS = course.LESSONS


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_every_lesson_has_notes_with_the_four_parts(lesson: course.Lesson) -> None:
    path = NOTES / f"{lesson.stem}.md"
    assert path.exists(), f"no instructor notes for {lesson.stem}: write {path.name}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {lesson.heading}: instructor notes\n"), path.name
    assert re.findall(r"^## .*$", text, re.M) == HEADINGS, (
        f"{path.name}: the sections must be exactly {HEADINGS}"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_the_timings_add_up_to_the_lessons_minutes(lesson: course.Lesson) -> None:
    note = Note(NOTES / f"{lesson.stem}.md", (NOTES / f"{lesson.stem}.md").read_text())
    rows = [ROW.match(line) for line in note.part("## Timing").splitlines()]
    parts = [(int(m.group(2)), m.group(3)) for m in rows if m and not m.group(1)]
    totals = [int(m.group(2)) for m in rows if m and m.group(1)]
    assert len(parts) >= 3, f"{note.path.name}: time at least three parts of the lesson"
    assert sum(minutes for minutes, _ in parts) == lesson.minutes, (
        f"{note.path.name}: the parts add up to {sum(m for m, _ in parts)} minutes; "
        f"course.toml gives the lesson {lesson.minutes}"
    )
    assert totals == [lesson.minutes], f"{note.path.name}: a bold total row of {lesson.minutes}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_the_live_demo_is_in_the_lesson(lesson: course.Lesson) -> None:
    note = Note(NOTES / f"{lesson.stem}.md", (NOTES / f"{lesson.stem}.md").read_text())
    found = sections(lesson.lesson_path)
    title = note.field("Section")
    code = _code_under(found, title)
    assert code is not None, (
        f"{note.path.name}: the demo's section {title!r} is not a heading of "
        f"{lesson.lesson_path.name} (it has {[s.title for s in found]})"
    )
    run = re.search(r"`([^`]+)`", note.field("Run"))
    assert run, f"{note.path.name}: '- **Run:**' names the call in backticks"
    call = CALL.search(run.group(1))
    assert call, f"{note.path.name}: {run.group(1)!r} is not a call"
    name = call.group(1).rsplit(".", 1)[-1]
    assert any(re.search(rf"\b{re.escape(name)}\(", source) for source in code), (
        f"{note.path.name}: {name}() is not called in the section {title!r} of the lesson"
    )
    assert note.field("Point at"), f"{note.path.name}: say what to point at in the figure"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_misconceptions_come_with_a_question_and_machines_are_covered(
    lesson: course.Lesson,
) -> None:
    note = Note(NOTES / f"{lesson.stem}.md", (NOTES / f"{lesson.stem}.md").read_text())
    bullets = re.findall(r"^- (.+(?:\n  .+)*)", note.part("## Misconceptions"), re.M)
    assert len(bullets) >= 2, f"{note.path.name}: at least two misconceptions"
    for bullet in bullets:
        assert "Ask:" in bullet, f"{note.path.name}: {bullet[:50]!r}... needs the question"
    machines = note.part("## When the room's machines differ")
    for case in ("One core", "macOS", "free-threaded"):
        assert case in machines, f"{note.path.name}: what to do with {case!r} machines"


def test_the_section_reader_finds_headings_inside_cells() -> None:
    # Lesson 12 opens a ### subsection inside the cell of its ## section: both are headings,
    # and the ## section's code includes its subsections'.
    found = sections(course.BY_SLUG["beyond_one_machine"].lesson_path)
    titles = [section.title for section in found]
    assert {"What changes between machines", "Serialisation"} <= set(titles)
    outer = _code_under(found, "What changes between machines")
    inner = _code_under(found, "Serialisation")
    assert outer and inner and set(inner) <= set(outer)
