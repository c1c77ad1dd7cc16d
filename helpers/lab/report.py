"""A schedule as a table: one column per thread, one row per step, the switch points marked.

Like the counterexamples of Lincheck or Harmony: read top to bottom, each row is what one
thread did next, in its own column, so the interleaving is the zig-zag between columns. With
``group=True`` consecutive steps of one thread on one line share a row (its instructions
listed in order). A row that starts after another thread's is marked ``⇄`` (a switch).

Text for a terminal or a checker's message, HTML for a notebook. Standard library only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from ..core.checks import FAIL_COLOUR, PASS_COLOUR
from ..core.domains import Bool, Items, Of, validated
from .run import Step

Steps = Annotated[Sequence[Step], Of((list, tuple))]
ThreadNames = Annotated[Sequence[str], Items(Of(str), empty_ok=True)]


@dataclass(frozen=True)
class Row:
    first: int
    last: int
    thread: str
    where: str  # "levels.py:12"
    text: str
    opnames: tuple[str, ...]
    kind: str  # of its first step: run, resume, timeout
    after: str
    values: dict[str, str]
    switch: bool
    changed: tuple[str, ...]  # shared values this row changed


@validated
def rows(steps: Steps, *, group: Bool = True) -> list[Row]:
    found: list[Row] = []
    before: dict[str, str] = {}
    for step in steps:
        pos = step.position
        where = pos.where if pos else ""
        text = pos.text if pos else ""
        opname = pos.opname if pos else ""
        last = found[-1] if found else None
        if (
            group
            and last is not None
            and last.thread == step.thread
            and last.where == where
            and not last.after
            and step.kind == "run"
        ):
            changed = tuple(k for k, v in step.values.items() if before.get(k) != v)
            found[-1] = Row(
                last.first,
                step.index,
                step.thread,
                where,
                text,
                (*last.opnames, opname),
                last.kind,
                step.after,
                step.values,
                last.switch,
                tuple(dict.fromkeys((*last.changed, *changed))),
            )
        else:
            switch = last is not None and last.thread != step.thread
            changed = tuple(k for k, v in step.values.items() if before.get(k) != v)
            if not found:
                changed = ()
            found.append(
                Row(
                    step.index,
                    step.index,
                    step.thread,
                    where,
                    text,
                    (opname,),
                    step.kind,
                    step.after,
                    step.values,
                    switch,
                    changed,
                )
            )
        before = step.values
    return found


def _code(text: str) -> str:
    """A source line without its trailing comment (the table is narrow)."""
    if "#" not in text:
        return text
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text
    for token in tokens:
        if token.type == tokenize.COMMENT:
            return text[: token.start[1]].rstrip()
    return text


def _cell(row: Row) -> str:
    how = {"resume": "(wakes) ", "timeout": "(times out) "}.get(row.kind, "")
    text = f"{how}{row.where} {_code(row.text)}  [{' '.join(row.opnames)}]"
    if row.after:
        text += f"  → {row.after}"
    return text


@validated
def text_table(steps: Steps, threads: ThreadNames, *, group: Bool = True) -> str:
    """The schedule as plain text: step numbers, then one column per thread."""
    names = list(dict.fromkeys([*threads, *(s.thread for s in steps)]))
    table = rows(steps, group=group)
    width = {name: len(name) for name in names}
    cells = []
    for row in table:
        cell = _cell(row)
        width[row.thread] = min(max(width[row.thread], len(cell)), 70)
        cells.append(cell)
    header = "step      " + " | ".join(name.ljust(width[name]) for name in names)
    lines = [header, "-" * len(header)]
    for row, cell in zip(table, cells, strict=False):
        span = f"{row.first}" if row.first == row.last else f"{row.first}-{row.last}"
        mark = "⇄" if row.switch else " "
        parts = [
            (cell if name == row.thread else "").ljust(width[name])[: width[name]] for name in names
        ]
        values = ", ".join(f"{k}={row.values[k]}" for k in row.changed)
        lines.append(f"{mark} {span:<7} " + " | ".join(parts) + (f"   {values}" if values else ""))
    return "\n".join(line.rstrip() for line in lines)


_CSS = (
    "<style>.lab-trace{border-collapse:collapse;font-size:12px}"
    ".lab-trace td,.lab-trace th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;"
    "text-align:left}.lab-trace tr.lab-switch td{border-top:2px solid #D55E00}"
    ".lab-trace code{white-space:pre}.lab-trace .lab-op{color:#595959}"
    f".lab-trace .lab-after{{color:{FAIL_COLOUR}}}</style>"
)


@validated
def html_table(steps: Steps, threads: ThreadNames, *, group: Bool = True) -> str:
    """The schedule as an HTML table (class ``lab-trace``); switches have a red top border."""
    names = list(dict.fromkeys([*threads, *(s.thread for s in steps)]))
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for row in rows(steps, group=group):
        span = f"{row.first}" if row.first == row.last else f"{row.first}–{row.last}"
        how = {"resume": "wakes: ", "timeout": "times out: "}.get(row.kind, "")
        cell = (
            f"{html.escape(how)}<code>{html.escape(_code(row.text))}</code> "
            f"<span class='lab-op'>{html.escape(row.where)} · "
            f"{html.escape(' '.join(row.opnames))}</span>"
        )
        if row.after:
            cell += f"<br><span class='lab-after'>→ {html.escape(row.after)}</span>"
        cells = "".join(f"<td>{cell if n == row.thread else ''}</td>" for n in names)
        values = ", ".join(f"{k}={row.values[k]}" for k in row.changed)
        css = " class='lab-switch'" if row.switch else ""
        mark = "⇄ " if row.switch else ""
        body.append(f"<tr{css}><td>{mark}{span}</td>{cells}<td>{html.escape(values)}</td></tr>")
    return (
        f"{_CSS}<table class='lab-trace'><tr><th>step</th>{head}<th>shared values</th></tr>"
        + "".join(body)
        + "</table>"
    )


def verdict_html(verdict: Any) -> str:
    ok = verdict.ok
    colour = PASS_COLOUR if ok else FAIL_COLOUR
    mark = "✔" if ok else "✘"
    parts = [
        f"<div class='lab-verdict' style='border-left:4px solid {colour};padding:4px 10px'>",
        f"<b style='color:{colour}'>{mark}</b> {html.escape(verdict.message)}",
        f"<br><small>{verdict.runs} runs in {verdict.seconds:.2f} s · outcomes: ",
        html.escape("; ".join(f"{n} × {k}" for k, n in verdict.outcomes.items())),
        "</small>",
    ]
    if verdict.counterexample is not None:
        parts.append(verdict.counterexample.html())
    parts.append("</div>")
    return "".join(parts)
