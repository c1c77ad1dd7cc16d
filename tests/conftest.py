"""Shared test setup: a non-interactive matplotlib backend, tools/ and tests/support/ on
sys.path (the course's tools, and what tests share: tests/support/harness.py for Chromium,
JupyterLab and kernels, tests/support/checker_cases.py for checkers), and the fixtures every
test folder uses (defined here once).

- ``start_method`` / ``ctx``: run a test under the course's start method (and, on request,
  under spawn too), through the course's own switch (``$LAB_START_METHOD``).
- ``nothing_left``: fail a test that leaves a thread, a child process or a shared-memory
  segment behind (the notebooks' last-cell check, per test).
- ``no_new_threads``: the same, for threads only, with a short grace for threads told to stop.
- ``quick_checkers``: checkers give up on a stuck answer after 0.6 s, not the learner's patience.

A file opts in with ``pytestmark = pytest.mark.usefixtures("nothing_left")``.
"""

from __future__ import annotations

import dataclasses
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


def _methods() -> list[str]:
    """The start methods a process test runs under: ``default``, the course's setting
    (``$LAB_START_METHOD``, or the platform's default when it is unset); with
    ``$LAB_TEST_METHODS=default,spawn``, spawn as well (what macOS and Windows use), unless the
    setting is spawn already.

    `make test` tests the default only, to stay quick; CI runs every process test under spawn
    and under forkserver too (tools/matrix.py sets ``$LAB_START_METHOD`` for those legs).
    """
    from helpers.core import machine

    asked = [m for m in os.environ.get("LAB_TEST_METHODS", "default").split(",") if m]
    unknown = set(asked) - {"default", "spawn"}
    if unknown or "default" not in asked:
        raise pytest.UsageError(
            f"$LAB_TEST_METHODS={','.join(asked)!r}: give default, or default,spawn"
        )
    if machine.start_method() == "spawn":
        return ["default"]
    return asked


METHODS = _methods()


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


#: The test files that create POSIX shared memory. /dev/shm is one folder for the whole
#: machine, so under pytest-xdist a segment that another worker has just made, or leaked on
#: purpose to test a checker, would look like this test's leak. These files share one worker
#: (``xdist_group`` with ``--dist loadgroup``, in the Makefile), and only they count segments.
#: The bench's smoke test is one of them: it measures lesson 09's mechanisms, shared memory
#: among them (a leftovers test on the 3.13t leg once saw one of its segments as a leak).
SHARED_MEMORY_TESTS = (
    "tests/lessons/ipc/",
    "tests/core/test_leftovers.py",
    "tests/tools/test_bench.py",
)

#: Test files run one at a time on one worker (``--dist loadgroup``), by group: the ones above,
#: and the Dask tests, whose clusters of worker processes would otherwise start side by side
#: and load the machine past the bounds their shutdown is given.
GROUPS = {"shared_memory": SHARED_MEMORY_TESTS, "dask": ("tests/lessons/beyond_one_machine/",)}


def _in(item: pytest.Item, files: tuple[str, ...]) -> bool:
    return Path(item.path).relative_to(ROOT).as_posix().startswith(files)


def _creates_shared_memory(item: pytest.Item) -> bool:
    return _in(item, SHARED_MEMORY_TESTS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for group, files in GROUPS.items():
            if _in(item, files):
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def nothing_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if it leaves a thread, a child process or (in the files that create
    them, :data:`SHARED_MEMORY_TESTS`) a shared-memory segment."""
    from helpers.core import leftovers

    baseline = leftovers.snapshot()
    yield
    if not _creates_shared_memory(request.node):
        # Segments that appeared meanwhile are another worker's (see SHARED_MEMORY_TESTS).
        now = frozenset(leftovers.shared_memory_segments())
        baseline = dataclasses.replace(baseline, shared_memory=baseline.shared_memory | now)
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


@pytest.fixture
def quick_checkers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong answers cost the checker PATIENCE_S each; the correct ones take milliseconds."""
    from helpers.core import learner

    monkeypatch.setattr(learner, "PATIENCE_S", 0.6)
