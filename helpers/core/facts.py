"""One set of facts checked on several implementations: the course's comparison table.

Lessons 05 and 06 (and any lesson that compares a teaching class, a broken sketch and the
standard library) run the same behaviour checks on each class and show ✔/✘ in one table.
Child-safe: it only formats strings (a notebook shows the HTML).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from .domains import Items, Where, validated


@dataclass(frozen=True)
class FactTable:
    """Facts (rows) checked on several implementations (columns); ✔ true, ✘ false."""

    facts: tuple[str, ...]
    columns: tuple[str, ...]
    values: Mapping[str, tuple[bool, ...]]  # column -> one bool per fact

    def column(self, name: str) -> dict[str, bool]:
        return dict(zip(self.facts, self.values[name], strict=True))

    def __str__(self) -> str:
        width = max(len(f) for f in self.facts)
        head = " " * width + "  " + "  ".join(self.columns)
        rows = [
            f"{fact:<{width}}  "
            + "  ".join(f"{'✔' if self.values[c][i] else '✘':^{len(c)}}" for c in self.columns)
            for i, fact in enumerate(self.facts)
        ]
        return "\n".join([head, *rows])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = ""
        for i, fact in enumerate(self.facts):
            cells = "".join(
                "<td style='text-align:center;color:#00704F'>✔</td>"
                if self.values[c][i]
                else "<td style='text-align:center;color:#B03A00'>✘</td>"
                for c in self.columns
            )
            body += f"<tr><td style='text-align:left'>{html.escape(fact)}</td>{cells}</tr>"
        return f"<table><tr><th></th>{head}</tr>{body}</table>"


def _fact(entry: object, argument: str) -> tuple[str, Callable[[Any], bool]]:
    if not (isinstance(entry, tuple) and len(entry) == 2 and callable(entry[1])):
        raise TypeError(f"{argument} must hold (fact, check function) pairs; got {entry!r}")
    return entry


def _classes(classes: object, argument: str) -> Mapping[str, Any]:
    """``{column name: class or factory}``, as :func:`fact_table` and the comparisons take."""
    if not isinstance(classes, Mapping):
        raise TypeError(f"{argument} must be a dict of names to classes; got {classes!r}")
    for name, make in classes.items():
        if not isinstance(name, str) or not callable(make):
            raise TypeError(f"{argument} must map names (str) to classes; got {name!r}: {make!r}")
    return classes


#: ``{column name: class or factory}``.
Classes = Annotated[
    Mapping[str, Any], Where(_classes, {"a": object}, (3, None, [1], {"x": 3}, {1: object}))
]


@validated
def fact_table(
    checks: Annotated[
        Sequence[tuple[str, Callable[[Any], bool]]],
        Items(Where(_fact, ("fact", bool), (3, "a", ("a",), ("a", 1)))),
    ],
    classes: Classes,
) -> FactTable:
    """Run every check on every class. A check that raises counts as a failed fact."""
    values: dict[str, tuple[bool, ...]] = {}
    for name, cls in classes.items():
        row = []
        for _, check in checks:
            try:
                row.append(bool(check(cls)))
            except Exception:
                row.append(False)
        values[name] = tuple(row)
    return FactTable(tuple(f for f, _ in checks), tuple(classes), values)
