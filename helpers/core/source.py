"""Show the real source of the running interpreter, so "under the hood" sections never go stale.

The course reads ``threading.Condition`` or ``concurrent.futures.thread`` from the Python that
runs the notebook, not from a copy pasted years ago. Line numbers and code change between
versions; what the notebooks point at is found by searching for it, not by a fixed line.
"""

from __future__ import annotations

import html
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from .domains import Where, validated


@dataclass(frozen=True)
class Source:
    """A piece of source code, with where it came from, shown highlighted in a notebook."""

    code: str
    origin: str
    first_line: int
    marks: frozenset[int] = frozenset()

    def lines(self) -> list[str]:
        return self.code.splitlines()

    def __str__(self) -> str:
        numbered = [
            f"{'>' if n in self.marks else ' '}{n:5d}  {line}"
            for n, line in enumerate(self.lines(), start=self.first_line)
        ]
        return f"# {self.origin}\n" + "\n".join(numbered)

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:  # pragma: no cover - pygments ships with JupyterLab
            return f"<pre>{html.escape(str(self))}</pre>"
        marked = [n - self.first_line + 1 for n in sorted(self.marks)]
        formatter = HtmlFormatter(
            linenos="inline",
            linenostart=self.first_line,
            hl_lines=marked,
            noclasses=True,
            style="default",
        )
        body = highlight(self.code, PythonLexer(), formatter)
        caption = f"<div style='font-size:85%;color:#555'>{html.escape(self.origin)}</div>"
        return caption + body


_COURSE = Path(__file__).resolve().parents[1]  # helpers/


def _origin(obj: object) -> str:
    try:
        path = inspect.getsourcefile(obj)  # type: ignore[arg-type]
    except TypeError:
        path = None
    if path and Path(path).resolve().is_relative_to(_COURSE):
        # The course's own code (a helper, or a script another interpreter runs by path).
        return f"{Path(path).resolve().relative_to(_COURSE.parent)} (the course's code)"
    version = ".".join(map(str, sys.version_info[:3]))
    return f"{path or '<unknown file>'} (Python {version}, the interpreter running this notebook)"


@validated
def source_of(
    obj: object, *, mark: Pattern = None, start: Pattern = None, end: Pattern = None
) -> Source:
    """The source of a module, class or function, from the running interpreter.

    ``start``/``end``: regular expressions; keep only the lines from the first match of
    ``start`` to the first later match of ``end`` (inclusive). ``mark``: a regular expression;
    matching lines are highlighted.
    """
    try:
        lines, first = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    except (OSError, TypeError) as error:
        raise ValueError(f"no Python source available for {obj!r}: {error}") from None
    first = max(first, 1)
    # ``@validated`` only checks the arguments against the signature: it is the course's
    # machinery, not part of what the lesson shows. Blanked, not removed, so the line numbers
    # shown stay those of the file.
    lines = ["\n" if line.strip() == "@validated" else line for line in lines]
    while lines and not lines[0].strip():
        lines, first = lines[1:], first + 1
    if start is not None:
        begin = _find(lines, start, 0, obj)
        stop = _find(lines, end, begin + 1, obj) + 1 if end is not None else len(lines)
        lines, first = lines[begin:stop], first + begin
    marks = frozenset(
        n for n, line in enumerate(lines, start=first) if mark is not None and re.search(mark, line)
    )
    return Source("".join(lines), _origin(inspect.unwrap(obj)), first, marks)


def _check_pattern(pattern: object, argument: str) -> str | None:
    """None, or a regular expression that compiles."""
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise TypeError(
            f"{argument} must be a regular expression (a string) or None; got {pattern!r}"
        )
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(
            f"{argument} is not a valid regular expression ({error}): {pattern!r}"
        ) from None
    return pattern


#: A regular expression (a string that compiles), or None.
Pattern = Annotated[str | None, Where(_check_pattern, None, ("(", "[a-", "*x", "a{2,1}", 3))]


def _find(lines: list[str], pattern: str, begin: int, obj: object) -> int:
    for i in range(begin, len(lines)):
        if re.search(pattern, lines[i]):
            return i
    raise ValueError(f"pattern {pattern!r} not found in the source of {obj!r}")
