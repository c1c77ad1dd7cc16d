"""The course manifest (``course.toml``), read once for every tool that needs the lesson list.

    from course import LESSONS
    for lesson in LESSONS: print(lesson.number, lesson.slug, lesson.title, lesson.minutes)

``python tools/course.py`` prints the course map, as README.md shows it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (requirements-core.txt)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "course.toml"
MAP_START = "<!-- course map: written by `make notebooks` from course.toml -->"
MAP_END = "<!-- end of course map -->"


@dataclass(frozen=True)
class Lesson:
    number: str
    slug: str
    title: str
    minutes: int
    prerequisites: tuple[str, ...]
    summary: str

    @property
    def stem(self) -> str:
        """``03_shared_state_and_queues``: the name of its lesson file and notebook."""
        return f"{self.number}_{self.slug}"

    @property
    def heading(self) -> str:
        """``03 · Shared state and `queue.Queue```: how lessons and links name it."""
        return f"{self.number} · {self.title}"

    @property
    def lesson_path(self) -> Path:
        return ROOT / "lessons" / f"{self.stem}.md"

    @property
    def notebook_path(self) -> Path:
        return ROOT / "notebooks" / f"{self.stem}.ipynb"

    @property
    def code_path(self) -> Path:
        return ROOT / "helpers" / "lessons" / self.slug

    @property
    def tests_path(self) -> Path:
        return ROOT / "tests" / "lessons" / self.slug


def load(path: Path = MANIFEST) -> tuple[Lesson, ...]:
    """Every lesson in course order. Raises ``ValueError`` naming what is wrong."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lessons = tuple(
        Lesson(
            number=str(entry["number"]),
            slug=str(entry["slug"]),
            title=str(entry["title"]),
            minutes=int(entry["minutes"]),
            prerequisites=tuple(entry.get("prerequisites", ())),
            summary=str(entry["summary"]),
        )
        for entry in data["lesson"]
    )
    _check(lessons)
    return lessons


def _check(lessons: tuple[Lesson, ...]) -> None:
    numbers = [lesson.number for lesson in lessons]
    if numbers != [f"{i:02d}" for i in range(len(lessons))]:
        raise ValueError(
            f"course.toml: lessons must be numbered 00, 01, ... in order; got {numbers}"
        )
    seen: set[str] = set()
    for lesson in lessons:
        if not lesson.slug.isidentifier() or lesson.slug in seen:
            raise ValueError(f"course.toml: slug {lesson.slug!r} is not a new Python identifier")
        unknown = [p for p in lesson.prerequisites if p not in seen]
        if unknown:
            raise ValueError(f"course.toml: {lesson.slug} needs earlier lessons; got {unknown}")
        seen.add(lesson.slug)


LESSONS = load()
BY_SLUG = {lesson.slug: lesson for lesson in LESSONS}


def repository(path: Path = MANIFEST) -> str:
    """``owner/name`` of the course on GitHub (``OWNER/REPO`` until it is filled in)."""
    value = str(tomllib.loads(path.read_text(encoding="utf-8")).get("repository", "OWNER/REPO"))
    if value.count("/") != 1 or not all(value.split("/")):
        raise ValueError(f"course.toml: repository must be 'owner/name'; got {value!r}")
    return value


def course_map(lessons: tuple[Lesson, ...] = LESSONS) -> str:
    """The README's course map: a Markdown table between two marker comments."""
    rows = [
        MAP_START,
        "",
        "| Notebook | What you will learn | Minutes |",
        "| --- | --- | --- |",
    ]
    rows += [
        f"| [{lesson.heading}](notebooks/{lesson.stem}.ipynb) | {lesson.summary} "
        f"| {lesson.minutes} |"
        for lesson in lessons
    ]
    rows += ["", MAP_END]
    return "\n".join(rows)


def with_course_map(readme: str, lessons: tuple[Lesson, ...] = LESSONS) -> str:
    """``readme`` with its course map replaced by the one the manifest gives."""
    start, end = readme.find(MAP_START), readme.find(MAP_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no course map between {MAP_START!r} and {MAP_END!r}")
    return readme[:start] + course_map(lessons) + readme[end + len(MAP_END) :]


if __name__ == "__main__":
    print(course_map())
