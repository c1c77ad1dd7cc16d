"""The notebooks' part of `make bench`: every notebook run headless with its defaults (kernel
start included), then each explorer's Run timed three times in that same kernel.

``tools/bench.py`` calls :func:`notebooks` (full run) or :func:`explorer_latency` (smoke) with
its report; the report's types (``Sample``, ``Target``) come from there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import ROOT, Sample, Target, _summary

_EXPLORER_PROBE = """
import json as _json, time as _time
from helpers.draw.widgets import Explorer as _Explorer
_found = {id(o): (n, o) for n, o in reversed(list(globals().items()))
          if isinstance(o, _Explorer) and not n.startswith("_")}.values()
_out = []
for _name, _explorer in _found:
    _times = []
    for _ in range(3):
        _t = _time.perf_counter()
        if _explorer.run() is None:
            raise RuntimeError(f"{_name}: {_explorer.error!r}")
        _times.append(_time.perf_counter() - _t)
    _out.append({"name": _name, "seconds": _times})
print("BENCH-EXPLORERS " + _json.dumps(_out))
"""


def _run_notebook(path: Path) -> tuple[float, list[dict[str, Any]]]:
    """Execute a notebook headless (kernel start included); then time each explorer's Run."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        probe = nbformat.v4.new_code_cell(_EXPLORER_PROBE)
        notebook.cells.append(probe)
        client.execute_cell(probe, len(notebook.cells) - 1)
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    line = next(line for line in text.splitlines() if line.startswith("BENCH-EXPLORERS "))
    return seconds, json.loads(line.removeprefix("BENCH-EXPLORERS "))


def notebooks(report: Any, log: Callable[[str], None]) -> None:
    """Wall time of every notebook run headless with its defaults, and explorer redraw times."""
    costs, explorers = [], []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        seconds, found = _run_notebook(path)
        costs.append({"notebook": path.stem, "seconds": seconds})
        log(f"notebook {path.stem}: {seconds:.1f} s")
        for item in found:
            sample = Sample(item["seconds"])
            explorers.append(
                {"explorer": f"{path.stem}: {item['name']}", "seconds": _summary(sample)}
            )
            log(f"  explorer {item['name']}: {sample.show()} s")
    whole = sum(row["seconds"] for row in costs)
    report.sections["notebook_cost"] = costs
    report.sections["course_cost"] = [{"notebooks": len(costs), "seconds": whole}]
    report.sections["explorer_latency"] = explorers
    slowest = max(costs, key=lambda row: row["seconds"])
    report.targets.append(
        Target(f"slowest notebook ({slowest['notebook']}), s", slowest["seconds"], 30, "<=")
    )
    report.targets.append(Target("whole course, s", whole, 180, "<="))
    _explorer_target(report, explorers)


def explorer_latency(repeats: int, report: Any, log: Callable[[str], None]) -> None:
    """Smoke version: the worker explorer's Run, called directly."""
    from helpers.draw.widgets import worker_explorer

    explorer = worker_explorer()
    sample = Sample([_redraw(explorer, "worker_explorer") for _ in range(repeats)])
    rows = [{"explorer": "helpers.draw.widgets.worker_explorer", "seconds": _summary(sample)}]
    report.sections["explorer_latency"] = rows
    _explorer_target(report, rows)
    log(f"explorer worker_explorer: {sample.show()} s")


def _redraw(explorer: Any, name: str) -> float:
    start = time.perf_counter()
    if explorer.run() is None:
        raise RuntimeError(f"{name}: the explorer reported {explorer.error!r}")
    return time.perf_counter() - start


def _explorer_target(report: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        worst = max(rows, key=lambda row: row["seconds"]["median"])
        report.targets.append(
            Target(
                f"slowest explorer redraw ({worst['explorer']}), s",
                worst["seconds"]["median"],
                1.0,
                "<=",
            )
        )
