"""Shared test setup: a non-interactive matplotlib backend, tools/ and tests/support/ on
sys.path (the course's tools, and what tests share: tests/support/harness.py for Chromium,
JupyterLab and kernels, tests/support/checker_cases.py for checkers), and the fixtures every
test folder uses (defined here once).

- ``start_method`` / ``ctx``: run a test under the platform's default start method and under
  spawn, through the course's own switch (``$LAB_START_METHOD``).
- ``nothing_left``: fail a test that leaves a thread, a child process or a shared-memory
  segment behind (the notebooks' last-cell check, per test).
- ``no_new_threads``: the same, for threads only, with a short grace for threads told to stop.

A file opts in with ``pytestmark = pytest.mark.usefixtures("nothing_left")``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
# Hypothesis keeps a cache in .hypothesis/ under the working directory; pytest's norecursedirs
# (pyproject.toml) does not list it, so collection would warn about it on every run. build/ is
# ignored by pytest and git, and `make clean` empties it.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(ROOT / "build" / "hypothesis"))
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

#: The start methods a process test runs under: the course's setting (``$LAB_START_METHOD``,
#: or the platform's default when it is unset: the matrix sets it to run every method), and
#: spawn, the strictest (what macOS and Windows use).
METHODS = ["default", "spawn"]


@pytest.fixture(params=METHODS)
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test under the default start method and under spawn, via the course's switch."""
    from helpers.core import machine

    if request.param != "default":
        monkeypatch.setenv(machine.START_METHOD_ENV, request.param)
    return machine.start_method()


@pytest.fixture
def ctx(start_method: str) -> object:
    """The course's multiprocessing context, under each of :data:`METHODS`."""
    from helpers.core import machine

    return machine.mp_context(start_method)


@pytest.fixture
def nothing_left() -> Iterator[None]:
    """Fail the test if it leaves a thread, a child process or a shared-memory segment."""
    from helpers.core import leftovers

    baseline = leftovers.snapshot()
    yield
    leftovers.assert_nothing_left(baseline)  # raises AssertionError naming what is left


@pytest.fixture
def no_new_threads() -> Iterator[None]:
    """Fail the test if it leaves a thread running that was not there before it."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2  # a thread that was just told to stop may need a moment
    while time.monotonic() < deadline and any(t not in before for t in threading.enumerate()):
        time.sleep(0.01)
    assert [t.name for t in threading.enumerate() if t not in before] == []
