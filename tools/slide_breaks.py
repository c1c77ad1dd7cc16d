"""Slide breaks for a lesson, proposed from its structure and written as jupytext metadata.

    python tools/slide_breaks.py                 # dry run: what it would mark, per lesson
    python tools/slide_breaks.py --diff 04       # the edit it would make to lessons/04_*.md
    python tools/slide_breaks.py --write         # mark every lesson (then `make notebooks`)

The convention (docs in the course README's classroom section):

- every ``##`` section starts a **slide**: the concept and its first demo share it;
- a ``###`` subsection, and every further demo of a section (the markdown that introduces a
  code cell, once the section has shown one), starts a **sub-slide** below it;
- an exercise prompt (``**Exercise N.**``) gets a sub-slide of its own, so the room can
  discuss it; its answer and check cells, hints and solutions are **skipped**, as are the
  *Parameters* section, the ``parameters`` cell, the last cell's clean-up check and cells
  tagged ``remove-cell`` (the projector toggle: a widget, which a slideshow cannot show);
- everything else continues the slide it is on (no metadata: the default).

The metadata is what nbconvert, RISE and jupyterlab-myst-revealjs read, ``slideshow.slide_type``,
written in the form jupytext itself writes, so saving the notebook in JupyterLab leaves the
lesson byte-identical: ``+++ {"slideshow": {"slide_type": "slide"}}`` before a markdown cell,
and a YAML block (``---`` / ``slideshow:`` / ``  slide_type: skip`` / ``---``) at the top of a
code cell. Cells that already carry ``slideshow`` metadata are left as they are, so a hand-made
choice survives a second pass. The title cell never gets any: a deck starts with it anyway, and
the template test reads the lesson's header up to its first ``+++``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"

SLIDE, SUBSLIDE, SKIP = "slide", "subslide", "skip"

_BREAK = re.compile(r"^\+\+\+\s*(\{.*\})?\s*$")
_CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_OPTION = re.compile(r"^:([\w-]+):\s?(.*)$")
_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_EXERCISE = re.compile(r"^(?:\*\*|#{2,6} )Exercise \d+\b")
_FOLDED = re.compile(r"^<details>\s*<summary>\s*(Hint|Solution)\b", re.I)
_CLEANUP = "leftovers.assert_nothing_left("


@dataclass
class Cell:
    """One cell of a lesson file, with where it is: enough to add metadata without reformatting.

    ``header`` is the line that carries the cell's metadata: a markdown cell's ``+++`` line
    (None when the cell follows a code cell or opens the file), a code cell's directive line.
    ``options`` are the code cell's option lines, ``(first, end)``, end exclusive.
    """

    kind: str  # "markdown" or "code"
    source: str
    first_line: int  # 0-based index of the cell's first line (its header, if it has one)
    header: int | None
    metadata: dict = field(default_factory=dict)
    options: tuple[int, int] | None = None
    block: bool = False  # code options written as a YAML block (---), not as :key: lines

    @property
    def tags(self) -> list[str]:
        return list(self.metadata.get("tags", []))


def _markdown(lines: list[str], start: int, end: int, header: int | None, meta: dict) -> Cell:
    body = "\n".join(lines[start:end]).strip("\n")
    return Cell("markdown", body, header if header is not None else start, header, meta)


def parse(text: str) -> list[Cell]:
    """The cells of a MyST lesson, in order, as jupytext reads them."""
    lines = text.split("\n")
    index = 0
    if lines and lines[0] == "---":  # the jupytext front matter
        index = lines.index("---", 1) + 1
    cells: list[Cell] = []
    start, header, meta = index, None, {}  # the markdown cell being read
    fence = ""  # inside a fenced block of a markdown cell: its fence
    while index < len(lines):
        line = lines[index]
        if fence:
            if line.startswith(fence) and not line[len(fence) :].strip():
                fence = ""
            index += 1
            continue
        if brk := _BREAK.match(line):
            _close_markdown(cells, lines, start, index, header, meta)
            start, header = index + 1, index
            meta = json.loads(brk.group(1)) if brk.group(1) else {}
            index += 1
            continue
        if code := _CODE_CELL.match(line):
            _close_markdown(cells, lines, start, index, header, meta)
            index = _read_code(cells, lines, index, code.group(1))
            start, header, meta = index, None, {}
            continue
        if other := _FENCE.match(line):
            fence = other.group(1)
        index += 1
    _close_markdown(cells, lines, start, len(lines), header, meta)
    return cells


def _close_markdown(
    cells: list[Cell], lines: list[str], start: int, end: int, header: int | None, meta: dict
) -> None:
    cell = _markdown(lines, start, end, header, meta)
    # Blank text between two code cells is no cell; a `+++` with metadata always is one.
    if cell.source.strip() or meta:
        if header is None:  # the cell starts at its first non-blank line
            cell.first_line = next(i for i in range(start, end) if lines[i].strip())
        cells.append(cell)


def _read_code(cells: list[Cell], lines: list[str], directive: int, fence: str) -> int:
    """Read the code cell whose directive is at ``directive``; return the line after it."""
    index, meta, options, block = directive + 1, {}, None, False
    if index < len(lines) and lines[index] == "---":
        end = lines.index("---", index + 1)
        meta = yaml.safe_load("\n".join(lines[index + 1 : end])) or {}
        options, block, index = (index, end + 1), True, end + 1
    else:
        first = index
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            meta[option.group(1)] = yaml.safe_load(option.group(2))
            index += 1
        if index > first:
            options = (first, index)
            if index < len(lines) and not lines[index].strip():  # the blank line after options
                index += 1
    body_start = index
    while lines[index] != fence:
        index += 1
    source = "\n".join(lines[body_start:index])
    cells.append(Cell("code", source, directive, directive, meta, options, block))
    return index + 1


# -- what each cell should be ----------------------------------------------------------------


def _heading(source: str) -> tuple[int, str]:
    """The level and text of the heading the cell opens with; (0, "") if it opens with text."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = _HEADING.match(first)
    return (len(match.group(1)), match.group(2).strip()) if match else (0, "")


def propose(cells: Sequence[tuple[str, str, Sequence[str]]]) -> list[str | None]:
    """A slide type for each ``(kind, source, tags)``; None: continue the current slide."""
    types: list[str | None] = []
    section = ""  # "parameters" or "" while inside such a section
    in_exercise = unit_has_code = False
    for index, (kind, source, tags) in enumerate(cells):
        following = cells[index + 1][0] if index + 1 < len(cells) else ""
        if index == 0:
            types.append(None)  # the title: every deck starts with it
            continue
        if "remove-cell" in tags:  # kept out of rendered pages (the projector toggle)
            types.append(SKIP)
            continue
        if kind == "code":
            skip = (
                "parameters" in tags
                or section == "parameters"
                or in_exercise
                or source.lstrip().startswith(_CLEANUP)
            )
            types.append(SKIP if skip else None)
            unit_has_code = unit_has_code or not skip
            continue
        level, title = _heading(source)
        text = source.lstrip("\n")
        if level in (1, 2) and not _EXERCISE.match(text):
            in_exercise, unit_has_code = False, False
            section = "parameters" if title.lower().startswith("parameters") else ""
            types.append(SKIP if section else SLIDE)
        elif _EXERCISE.match(text):
            in_exercise, unit_has_code = True, False
            types.append(SUBSLIDE)
        elif section or in_exercise or _FOLDED.match(text):
            types.append(SKIP)
        elif level >= 3 or (unit_has_code and following == "code"):
            # A subsection, or the next demo of the section with the text that introduces it.
            unit_has_code = False
            types.append(SUBSLIDE)
        else:
            types.append(None)
    return types


def warnings(cells: Sequence[Cell]) -> list[str]:
    """Headings that cannot start a slide: any that is not the first line of its cell."""
    found = []
    for cell in cells:
        if cell.kind != "markdown":
            continue
        fence, first = "", cell.source.lstrip("\n").split("\n", 1)[0]
        for line in cell.source.split("\n"):
            if fence:  # a heading inside a fenced block is code, not a heading
                fence = "" if line.startswith(fence) else fence
            elif opening := _FENCE.match(line):
                fence = opening.group(1)
            elif (heading := _HEADING.match(line)) and len(heading.group(1)) <= 3 and line != first:
                found.append(
                    f"line {cell.first_line + 1}: {line!r} is inside the cell that starts "
                    f"with {first[:40]!r}; split the cell with +++ for it to start a slide"
                )
    return found


# -- writing it into the lesson --------------------------------------------------------------


@dataclass
class Plan:
    """What marking one lesson would do."""

    path: Path
    before: str
    after: str
    counts: Counter[str]
    kept: int  # cells that already had slideshow metadata
    warnings: list[str]

    def summary(self) -> str:
        c = self.counts
        parts = [f"{c[SLIDE]} slides", f"{c[SUBSLIDE]} sub-slides", f"{c[SKIP]} cells skipped"]
        if self.kept:
            parts.append(f"{self.kept} cells kept their own metadata")
        changed = "unchanged" if self.before == self.after else "would change"
        lines = [f"{self.path.name}: {', '.join(parts)} ({changed})"]
        return "\n".join(lines + [f"  warning, {w}" for w in self.warnings])

    def diff(self) -> str:
        name = str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else self.path
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(True),
                self.after.splitlines(True),
                f"a/{name}",
                f"b/{name}",
                n=1,
            )
        )


def _code_options(lines: list[str], cell: Cell, slide_type: str) -> list[str]:
    """The code cell's option lines with ``slideshow`` added, as a YAML block."""
    existing: list[str] = []
    if cell.options and cell.block:
        existing = lines[cell.options[0] + 1 : cell.options[1] - 1]
    elif cell.options:
        for line in lines[cell.options[0] : cell.options[1]]:
            option = _OPTION.match(line)
            existing.append(f"{option.group(1)}: {option.group(2)}")  # type: ignore[union-attr]
    return ["---", *existing, "slideshow:", f"  slide_type: {slide_type}", "---"]


def mark(text: str) -> tuple[str, list[str | None], list[Cell]]:
    """``text`` with slide metadata added where :func:`propose` wants it; the types; cells."""
    cells = parse(text)
    types = propose([(c.kind, c.source, c.tags) for c in cells])
    lines = text.split("\n")
    # Edit from the bottom up, so the line numbers of the cells above stay valid.
    for cell, slide_type in reversed(list(zip(cells, types, strict=True))):
        if slide_type is None or "slideshow" in cell.metadata:
            continue
        if cell.kind == "markdown":
            meta = json.dumps({**cell.metadata, "slideshow": {"slide_type": slide_type}})
            if cell.header is not None:
                lines[cell.header] = f"+++ {meta}"
            else:  # it follows a code cell: a `+++` line gives it somewhere to keep metadata
                lines[cell.first_line : cell.first_line] = [f"+++ {meta}", ""]
            continue
        block = _code_options(lines, cell, slide_type)
        if cell.options is None:
            lines[cell.header + 1 : cell.header + 1] = block  # type: ignore[operator]
        else:
            first, end = cell.options
            # Short options are followed by a blank line; a YAML block is not (jupytext's form).
            if not cell.block and end < len(lines) and not lines[end].strip():
                end += 1
            lines[first:end] = block
    return "\n".join(lines), types, cells


def plan(path: Path) -> Plan:
    before = path.read_text(encoding="utf-8")
    after, types, cells = mark(before)
    kept = sum("slideshow" in c.metadata for c in cells)
    counts = Counter(
        (c.metadata["slideshow"].get("slide_type") if "slideshow" in c.metadata else t) or "-"
        for c, t in zip(cells, types, strict=True)
    )
    counts[SLIDE] += 1  # the title: the first slide of every deck, with no metadata
    return Plan(path, before, after, counts, kept, warnings(cells))


def lesson_paths(only: Sequence[str] = ()) -> list[Path]:
    paths = sorted(LESSONS.glob("*.md"))
    if only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in only)]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="lesson stems or numbers (default: every lesson)")
    parser.add_argument("--write", action="store_true", help="write the lessons (default: dry run)")
    parser.add_argument("--diff", action="store_true", help="print the edit each lesson would get")
    args = parser.parse_args(argv)
    paths = lesson_paths(args.only)
    if not paths:
        print(f"no lesson matches {args.only}", file=sys.stderr)
        return 1
    for path in paths:
        result = plan(path)
        print(result.summary())
        if args.diff:
            print(result.diff())
        if args.write and result.after != result.before:
            path.write_text(result.after, encoding="utf-8")
            print(f"  wrote {path}")
    if args.write:
        print("now run `make notebooks` to carry the metadata into notebooks/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
