"""Regenerate notebooks/*.ipynb from lessons/*.md, and the README's course map from
course.toml; or check that they are all in sync.

    python tools/sync_notebooks.py           # write every notebook and the course map
    python tools/sync_notebooks.py --check   # exit 1 naming everything that is stale

The lessons (MyST markdown) are the source. Notebooks are written without outputs and with
cell ids derived from each cell's content, so regenerating an unchanged lesson gives a
byte-identical notebook and a one-cell edit changes one cell of the notebook. The lessons
that exist are the ones course.toml lists, in its order.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import course
import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MANIFEST: tuple[course.Lesson, ...] = course.LESSONS


def notebook_path(lesson: Path) -> Path:
    return NOTEBOOKS / f"{lesson.stem}.ipynb"


def render(lesson: Path) -> str:
    """The exact text of the notebook that ``lesson`` should produce."""
    notebook = jupytext.read(lesson, fmt="md:myst")
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        cell["id"] = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        if cell.cell_type == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["jupytext"] = {"formats": "notebooks///ipynb,lessons///md:myst"}
    notebook.metadata.setdefault(
        "kernelspec",
        {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    )
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def stale() -> list[str]:
    """Problems, one line each: notebooks out of sync with lessons, orphans, outputs, lessons
    the manifest does not list (or lists but are missing), and a stale course map."""
    problems = []
    listed = {f"{lesson.stem}.md" for lesson in MANIFEST}
    lessons = sorted(LESSONS.glob("*.md"))
    for lesson in lessons:
        if lesson.name not in listed:
            problems.append(f"{lesson.relative_to(ROOT)} is not listed in course.toml")
    for name in sorted(listed - {lesson.name for lesson in lessons}):
        problems.append(f"lessons/{name} is listed in course.toml but missing")
    for lesson in lessons:
        target = notebook_path(lesson)
        if not target.exists():
            problems.append(f"{target.relative_to(ROOT)} is missing: run `make notebooks`")
        elif target.read_text() != render(lesson):
            problems.append(
                f"{target.relative_to(ROOT)} is out of sync with {lesson.relative_to(ROOT)} "
                "(or holds outputs): run `make notebooks`"
            )
    known = {notebook_path(lesson) for lesson in lessons}
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        if notebook not in known:
            problems.append(
                f"{notebook.relative_to(ROOT)} has no lesson: add lessons/{notebook.stem}.md"
            )
    if not README.exists():
        problems.append("README.md is missing")
    elif _with_map(README.read_text()) != README.read_text():
        problems.append("README.md's course map disagrees with course.toml: run `make notebooks`")
    return problems


def _with_map(readme: str) -> str:
    return course.with_course_map(readme, MANIFEST)


def write_all(only: str | None = None) -> list[Path]:
    """Write every notebook (or only the one whose stem starts with ``only``) and the map."""
    written = []
    for lesson in sorted(LESSONS.glob("*.md")):
        if only and not lesson.stem.startswith(only):
            continue
        target = notebook_path(lesson)
        text = render(lesson)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    if README.exists() and _with_map(README.read_text()) != README.read_text():
        README.write_text(_with_map(README.read_text()))
        written.append(README)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument("only", nargs="?", help="write one notebook: its stem or number (03)")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path in write_all(args.only):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
