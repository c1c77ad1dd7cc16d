"""A lesson notebook, as the course website shows it: the lesson's own conventions made visible.

The lessons are written for JupyterLab; the website reads the same file and changes only how
its markdown is marked up (the lesson files are never touched):

- ``**Exercise N.**`` starts a sphinx-exercise block that runs (gated) over the answer and
  check cells, a ``<details><summary>Hint</summary>`` becomes a folded hint inside it, and a
  ``<details><summary>Solution</summary>`` becomes the exercise's folded solution;
- the ``**You will learn**`` list and the list under ``## Key points`` become admonitions;
- a link to a lesson whose file does not exist yet becomes plain text (Sphinx would fail on it);
- an explorer's static line gets the lesson's Binder link.

Everything here is plain text in, text out, so ``tests/tools/test_site_lessons.py`` checks it
without Sphinx or a kernel.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import nbformat

EXERCISE = re.compile(r"^\*\*Exercise (\d+)\.\*\*\s*(.*)$")
DETAILS = re.compile(r"^<details>\s*<summary>\s*(Hint|Solution)\s*</summary>\s*(.*)$", re.I)
END_DETAILS = re.compile(r"^(.*?)\s*</details>\s*$")
HEADING = re.compile(r"^#{1,6} ")
LESSON_LINK = re.compile(r"\[([^\]]+)\]\((\d\d_[A-Za-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
LAUNCH_SLOT = re.compile(r"<span class=['\"]lab-explorer-launch['\"]></span>")


@dataclass
class _Blocks:
    """Where the stream of markdown lines is: inside an exercise, a hint or a solution."""

    stem: str
    exercise: str = ""  # label of the open exercise, "" if none
    folded: str = ""  # "hint" or "solution" while inside its <details>
    labels: list[str] = field(default_factory=list)

    def close_exercise(self) -> list[str]:
        if not self.exercise:
            return []
        self.exercise = ""
        return ["", "```{exercise-end}", "```", ""]


def _exercise_lines(lines: list[str], state: _Blocks) -> list[str]:
    out: list[str] = []
    pending = list(reversed(lines))  # a stack, so a line's remainder can be pushed back
    while pending:
        line = pending.pop()
        if state.folded:
            end = END_DETAILS.match(line)
            if not end:
                out.append(line)
                continue
            out += [end.group(1), ""]
            out += [":::", ""] if state.folded == "hint" else ["```{solution-end}", "```", ""]
            state.folded = ""
            continue
        exercise = EXERCISE.match(line)
        details = DETAILS.match(line)
        kind = details.group(1).lower() if details and state.exercise else ""
        # A hint is a plain directive: it cannot span cells. One whose </details> is in a
        # later cell stays HTML, which browsers fold just as well.
        if kind == "hint" and not any(END_DETAILS.match(rest) for rest in [line, *pending]):
            kind = ""
        if exercise:
            out += state.close_exercise()
            state.exercise = f"ex-{state.stem}-{exercise.group(1)}"
            state.labels.append(state.exercise)
            out += ["```{exercise-start}", f":label: {state.exercise}", "```"]
            pending.append(exercise.group(2))
        elif kind == "hint":
            state.folded = "hint"
            out += ["", ":::{admonition} Hint", ":class: dropdown tip", ""]
            pending.append(details.group(2))  # type: ignore[union-attr]
        elif kind == "solution":
            label = state.exercise
            out += state.close_exercise()
            state.folded = "solution"
            out += ["```{solution-start} " + label, ":class: dropdown", "```"]
            pending.append(details.group(2))  # type: ignore[union-attr]
        else:
            if HEADING.match(line):
                out += state.close_exercise()
            out.append(line)
    return out


def _wrap_list(lines: list[str], start: int, title: str, css: str) -> list[str]:
    """The bullet list that begins at or after ``start``, wrapped in an admonition."""
    first = start
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first >= len(lines) or not lines[first].startswith(("- ", "* ")):
        return lines
    last = first
    for index in range(first, len(lines)):
        line = lines[index]
        if line.startswith(("- ", "* ", "  ")):
            last = index
        elif line.strip():
            break  # a paragraph: the list is over
    admonition = [f":::{{admonition}} {title}", f":class: {css}", "", *lines[first : last + 1]]
    return [*lines[:first], *admonition, ":::", *lines[last + 1 :]]


#: (marker line, admonition title, its classes, whether the marker line goes)
SET_OFF = (
    ("**you will learn**", "You will learn", "tip lab-objectives", True),
    ("## key points", "Remember", "important lab-key-points", False),
)


def _set_off(text: str) -> str:
    """Objectives and key points as admonitions (the Carpentries' boxes)."""
    lines = text.split("\n")
    for marker, title, css, drop in SET_OFF:
        for index, line in enumerate(lines):
            if line.strip().lower() == marker:
                kept = [*lines[:index], *lines[index + 1 :]] if drop else lines
                lines = _wrap_list(kept, index if drop else index + 1, title, css)
                break
    return "\n".join(lines)


def _link_lessons(text: str, existing: Collection[str]) -> str:
    """Links to lessons not written yet become plain text; the others stay (Sphinx resolves
    ``NN_slug.ipynb`` to that page)."""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if match.group(2) in existing else f"*{match.group(1)}* (coming soon)"

    return LESSON_LINK.sub(replace, text)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def to_page(nb: Any, stem: str, *, existing: Collection[str], launch_url: str) -> list[str]:
    """Rewrite the markdown cells of ``nb`` (an nbformat notebook) in place for the website.

    Returns the labels of the exercises found, in order.
    """
    state = _Blocks(stem)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = _link_lessons(_set_off(_text(cell.source)), existing)
            cell.source = "\n".join(_exercise_lines(text.split("\n"), state))
        elif cell.cell_type == "code":
            _fill_launch_links(cell, launch_url)
    # A block still open when the notebook ends (its last cells were code): close it after them.
    closing = _exercise_lines(["</details>"], state) if state.folded else []
    closing += state.close_exercise()
    if closing:
        nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(closing)))
    return state.labels


def _fill_launch_links(cell: Any, launch_url: str) -> None:
    link = f' (<a class="lab-explorer-launch" href="{launch_url}">launch this notebook</a>)'
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/html" in data:
            data["text/html"] = LAUNCH_SLOT.sub(link, _text(data["text/html"]))
