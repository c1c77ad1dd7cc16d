"""Absolute sizes in figure code, each with the relative form that follows projector mode.

    python tools/absolute_sizes.py                     # helpers/lessons and helpers/lab
    python tools/absolute_sizes.py helpers/draw        # any folder or file

Projector mode (helpers/draw/style.py) changes ``font.size``, ``lines.linewidth``,
``lines.markersize`` and the figure size; a literal ``fontsize=8`` or ``linewidth=0.8`` ignores
it, so its text stays laptop-sized on a projector. Each finding prints as
``file:line: found -> replacement``, the replacement keeping today's laptop look (sizes relative
to font.size 10, line width 1.5, marker size 6). Figure sizes are reported when they bypass
``plots.new_figure``; a width of 12.5 inches or less set after ``new_figure`` already fits a
slide and is not reported.
"""

from __future__ import annotations

import io
import math
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ("helpers/lessons", "helpers/lab")

#: matplotlib's relative font sizes, as multiples of font.size.
RELATIVE = {"xx-small": 0.579, "x-small": 0.694, "small": 0.833, "medium": 1.0, "large": 1.2,
            "x-large": 1.44, "xx-large": 1.728}  # fmt: skip
NORMAL_FONT, NORMAL_LINE, NORMAL_MARKER = 10.0, 1.5, 6.0

_NUMBER = r"(\d+(?:\.\d+)?)"
_FONT = re.compile(rf"\b(fontsize|labelsize)\s*=\s*{_NUMBER}")
_LINE = re.compile(rf"\b(linewidth|lw|markersize|ms)\s*=\s*{_NUMBER}")
_FIGSIZE = re.compile(r"\bfigsize\s*=\s*\(")
_SET_SIZE = re.compile(rf"\.set_size_inches\(\s*{_NUMBER}\s*,")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    found: str
    replacement: str

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{where}:{self.line}: {self.found} -> {self.replacement}"


def relative_font(points: float) -> str:
    """The relative size closest (on a log scale) to ``points`` at font.size 10."""
    return min(RELATIVE, key=lambda name: abs(math.log(points / (NORMAL_FONT * RELATIVE[name]))))


def _scale(value: float, default: float) -> str:
    return f"{value / default:.2g}"


def _without_comments(text: str) -> list[str]:
    """The lines of ``text`` with comments blanked (a comment may mention a size; a colour
    string such as "#555555" is not a comment)."""
    lines = text.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    return lines


def scan_text(path: Path, text: str) -> list[Finding]:
    found = []
    for number, code in enumerate(_without_comments(text), 1):
        for match in _FONT.finditer(code):
            name, value = match.group(1), float(match.group(2))
            found.append(Finding(path, number, match.group(0), f'{name}="{relative_font(value)}"'))
        for match in _LINE.finditer(code):
            name, value = match.group(1), float(match.group(2))
            if name in ("linewidth", "lw"):
                replacement = f"{name}=line_width({_scale(value, NORMAL_LINE)})"
            else:
                replacement = f"{name}=marker_size({_scale(value, NORMAL_MARKER)})"
            found.append(Finding(path, number, match.group(0), replacement))
        if _FIGSIZE.search(code):
            found.append(
                Finding(path, number, "figsize=(w, h)", "figsize=figure_size(w, h) (style)")
            )
        # After new_figure, a width that fits a slide with the height it gave is fine.
        match = _SET_SIZE.search(code)
        if match and (float(match.group(1)) > 12.5 or "get_size_inches" not in code):
            width = match.group(1)
            replacement = f"set_size_inches(*figure_size({width}, h))"
            found.append(Finding(path, number, f"set_size_inches({width}, h)", replacement))
    return found


def scan(paths: list[Path]) -> list[Finding]:
    """Every finding under ``paths`` (folders are searched for .py files)."""
    files = sorted(
        file
        for path in paths
        for file in ([path] if path.is_file() else path.rglob("*.py"))
        if "__pycache__" not in file.parts
    )
    return [f for file in files for f in scan_text(file, file.read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [ROOT / p for p in (args or DEFAULT_PATHS)]
    findings = scan(paths)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} absolute sizes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
