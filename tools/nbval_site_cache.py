"""pytest plugin: a notebook nbval ran without a failure fills the website's cache.

    pytest -p nbval_site_cache --nbval-lax notebooks/      (with tools/ on PYTHONPATH)

`make test` executes every lesson twice over otherwise: once under nbval, and again when the
website is built. nbval already keeps each cell's outputs (``IPyNbCell.test_outputs``); this
plugin writes them, for every notebook whose cells all passed, into ``build/site-cache`` under
the key ``tools/build_site.py`` computes (the lesson's text, the helpers code it runs, the
Python), exactly where and as the site build would have written it. A later `make site` then
finds the lesson executed and only renders it.

A run with pytest-xdist marks its notebooks as executed side by side with others
(``build_site.BESIDE``): the site `make test` builds to check uses them (``--beside-ok``), but a
`make site` for publishing executes them again, alone, so that its measurements stay true.

Only the course's own setting is cached (no ``$LAB_START_METHOD``): the site shows what a
learner sees by default, so a run under another start method writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_failed: set[str] = set()
_executed: dict[str, list[Any]] = {}


def executed_beside() -> int:
    """How many other notebooks ran while each of this run's did: under pytest-xdist (`make
    nbval NBVAL_JOBS=2`, as `make test` runs it) each worker runs one notebook at a time."""
    return max(0, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) - 1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator:
    outcome = yield
    report = outcome.get_result()
    notebook = getattr(item, "parent", None)
    if not hasattr(item, "test_outputs") or notebook is None:
        return
    if report.failed or report.skipped:
        _failed.add(str(notebook.fspath))
    elif report.when == "call":
        item.cell.outputs = list(item.test_outputs or [])
        _executed.setdefault(str(notebook.fspath), []).append(item)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get("LAB_START_METHOD", "").strip():
        return
    import build_site  # tools/: the cache's own code, so both agree on keys and format
    import course
    import nbformat

    by_stem = {lesson.stem: lesson for lesson in course.LESSONS}
    beside = executed_beside()
    for path, items in _executed.items():
        lesson = by_stem.get(Path(path).stem)
        if lesson is None or path in _failed or not items:
            continue
        notebook = items[0].parent.nb
        code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
        if len(items) != len(code_cells):  # a cell was skipped: not a whole run
            continue
        notebook.metadata["lab_site_cache_key"] = build_site.cache_key(lesson)
        notebook.metadata[build_site.BESIDE] = beside
        build_site.CACHE.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, build_site.CACHE / f"{lesson.stem}.ipynb")
