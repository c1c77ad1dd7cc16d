"""pytest plugin: a time budget per notebook on top of nbval's per-cell timeout.

    pytest -p nbval_budget --nbval-lax notebooks/        (with tools/ on PYTHONPATH)

nbval interrupts a cell that runs longer than ``--nbval-cell-timeout``; a notebook whose cells
are each just under that limit could still run for a very long time. This plugin gives every
notebook ``LAB_NOTEBOOK_BUDGET`` seconds (default 120) in all: each cell's timeout is cut to
what is left, and once the budget is spent the remaining cells fail at once, naming the
notebook. pytest-timeout, set a little above, is the last resort if the kernel stops answering.
"""

from __future__ import annotations

import os
import time

import pytest

_GRACE_SECONDS = 30.0
_started: dict[str, float] = {}


def budget_seconds() -> float:
    raw = os.environ.get("LAB_NOTEBOOK_BUDGET", "120")
    try:
        value = float(raw)
    except ValueError:
        message = f"LAB_NOTEBOOK_BUDGET must be a number of seconds; got {raw!r}"
        raise pytest.UsageError(message) from None
    if value <= 0:
        raise pytest.UsageError(f"LAB_NOTEBOOK_BUDGET must be > 0; got {raw!r}")
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    notebook = str(getattr(item, "fspath", ""))
    if not notebook.endswith(".ipynb"):
        return
    budget = budget_seconds()
    started = _started.setdefault(notebook, time.monotonic())
    left = budget - (time.monotonic() - started)
    if left <= 0:
        pytest.fail(f"{os.path.basename(notebook)} used up its {budget:g} s budget", pytrace=False)
    configured = float(item.config.getoption("nbval_cell_timeout", default=left))
    item.config.option.nbval_cell_timeout = max(1, min(configured, left))
    item.add_marker(pytest.mark.timeout(left + _GRACE_SECONDS))
