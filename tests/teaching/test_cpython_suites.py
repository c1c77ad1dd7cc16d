"""CPython's own test suites, run against the teaching classes.

Lessons 05-07 say the teaching classes pass CPython's own tests; this file keeps that true on
every Python the course supports. The suites come from the running interpreter's ``test``
package, so each Python checks the teaching classes against its own expectations:

* ``test.lock_tests`` (``RLockTests``, ``ConditionTests``, ``SemaphoreTests``,
  ``BoundedSemaphoreTests``), subclassed as CPython's ``test_threading`` subclasses them;
* the thread-pool tests of ``test_concurrent_futures`` (a package from 3.12, one module
  before), subclassed as CPython subclasses its mixins: ``executor_type = ...``.

A few of CPython's thread-pool tests name the standard class directly instead of using
``executor_type`` (``futures.ThreadPoolExecutor(...)`` in a test body, or ``from
concurrent.futures import ThreadPoolExecutor`` in a script a child interpreter runs). While a
teaching test runs, both names lead to the teaching class, so those tests check it too.

``SKIPS`` lists every test that does not run, by name, with the reason. An interpreter
without a suite (some builds leave ``Lib/test`` out) skips that suite, saying so.
"""

from __future__ import annotations

import importlib
import sys
import threading
import unittest
from collections.abc import Callable
from concurrent import futures
from types import ModuleType
from typing import Any
from unittest import mock

import pytest

from helpers.teaching.condition import Condition as TeachingCondition
from helpers.teaching.executor import ThreadPoolExecutor as TeachingThreadPoolExecutor
from helpers.teaching.rlock import RLock as TeachingRLock
from helpers.teaching.semaphore import BoundedSemaphore as TeachingBoundedSemaphore
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

PY = sys.version_info[:2]

#: Every CPython test that does not run against a teaching class: (class, test) -> reason.
#: An entry applies on the Pythons whose suite has that test (``SKIP_SINCE``: from which one).
SKIPS: dict[tuple[str, str], str] = {
    ("TeachingConditionAsRLockTests", "test_recursion_count"): (
        "CPython skips it for threading.Condition too (test_threading.ConditionAsRLockTests): "
        "a Condition does not expose its lock's _recursion_count()"
    ),
}
SKIP_SINCE: dict[tuple[str, str], tuple[int, int]] = {
    ("TeachingConditionAsRLockTests", "test_recursion_count"): (3, 11),
}


def _suite(name: str) -> ModuleType | None:
    """``test.<name>`` from the running interpreter, or None if this build lacks it."""
    try:
        return importlib.import_module(f"test.{name}")
    except ModuleNotFoundError as error:
        if error.name is not None and (f"test.{name}".startswith(error.name)):
            return None
        raise


# --- test.lock_tests -------------------------------------------------------------------------

lock_tests = _suite("lock_tests")
if lock_tests is not None:

    class TeachingRLockTests(lock_tests.RLockTests):
        locktype = staticmethod(TeachingRLock)

    class TeachingConditionAsRLockTests(lock_tests.RLockTests):
        # As CPython's test_threading does: a Condition exports its (default) RLock's API.
        locktype = staticmethod(TeachingCondition)

    class TeachingConditionTests(lock_tests.ConditionTests):
        condtype = staticmethod(TeachingCondition)

    def _condition_over_teaching_rlock(lock: Any = None) -> TeachingCondition:
        return TeachingCondition(TeachingRLock() if lock is None else lock)

    class TeachingConditionOverTeachingRLockTests(lock_tests.ConditionTests):
        # The same suite with the teaching RLock underneath (notebook 05 shows this pairing).
        condtype = staticmethod(_condition_over_teaching_rlock)

    class TeachingSemaphoreTests(lock_tests.SemaphoreTests):
        semtype = staticmethod(TeachingSemaphore)

    class TeachingBoundedSemaphoreTests(lock_tests.BoundedSemaphoreTests):
        semtype = staticmethod(TeachingBoundedSemaphore)

else:

    def test_lock_tests_are_installed() -> None:
        pytest.skip(f"this Python {PY} has no test.lock_tests (its Lib/test was not installed)")


# --- test_concurrent_futures: the thread-pool tests ---------------------------------------------


def _pool_suites() -> dict[str, ModuleType] | None:
    """Where each thread-pool test class lives in this Python's suite, or None if absent."""
    package = _suite("test_concurrent_futures")
    if package is None:
        return None
    if not hasattr(package, "__path__"):  # 3.10, 3.11: one module holds every class
        return dict.fromkeys(("thread_pool", "shutdown", "wait", "as_completed", "init"), package)
    return {
        part: importlib.import_module(f"test.test_concurrent_futures.test_{part}")
        for part in ("thread_pool", "shutdown", "wait", "as_completed", "init")
    }


STANDARD_IMPORT = "from concurrent.futures import ThreadPoolExecutor"
TEACHING_IMPORT = "from helpers.teaching.executor import ThreadPoolExecutor"


def _with_teaching_class(assert_python_ok: Callable[..., Any]) -> Callable[..., Any]:
    """``assert_python_ok``, but the child interpreter's script imports the teaching class."""

    def run(*args: Any, **kwargs: Any) -> Any:
        scripts = [a for a in args if isinstance(a, str) and STANDARD_IMPORT in a]
        assert scripts, f"CPython's script no longer has {STANDARD_IMPORT!r}: update this shim"
        args = tuple(
            a.replace(STANDARD_IMPORT, TEACHING_IMPORT) if isinstance(a, str) else a for a in args
        )
        return assert_python_ok(*args, **kwargs)

    return run


class TeachingPool:
    """Mixed in first: the teaching executor is the class under test, whatever the test names."""

    executor_type = TeachingThreadPoolExecutor

    def setUp(self) -> None:
        patches = [mock.patch.object(futures, "ThreadPoolExecutor", TeachingThreadPoolExecutor)]
        shutdown_module = POOL_SUITES["shutdown"] if POOL_SUITES else None
        if shutdown_module is not None and hasattr(shutdown_module, "assert_python_ok"):
            patches.append(
                mock.patch.object(
                    shutdown_module,
                    "assert_python_ok",
                    _with_teaching_class(shutdown_module.assert_python_ok),
                )
            )
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)
        super().setUp()


POOL_SUITES = _pool_suites()
if POOL_SUITES is not None:
    cf_thread_pool, cf_shutdown, cf_wait, cf_as_completed, cf_init = (
        POOL_SUITES[part] for part in ("thread_pool", "shutdown", "wait", "as_completed", "init")
    )

    class TeachingThreadPoolExecutorTest(TeachingPool, cf_thread_pool.ThreadPoolExecutorTest):
        pass

    class TeachingThreadPoolShutdownTest(TeachingPool, cf_shutdown.ThreadPoolShutdownTest):
        pass

    class TeachingThreadPoolWaitTests(TeachingPool, cf_wait.ThreadPoolWaitTests):
        pass

    class TeachingThreadPoolAsCompletedTest(
        TeachingPool, cf_as_completed.ThreadPoolAsCompletedTest
    ):
        pass

    class TeachingThreadPoolInitializerTest(TeachingPool, cf_init.ThreadPoolInitializerTest):
        pass

    class TeachingThreadPoolFailingInitializerTest(
        TeachingPool, cf_init.ThreadPoolFailingInitializerTest
    ):
        pass

else:

    def test_thread_pool_tests_are_installed() -> None:
        pytest.skip(
            f"this Python {PY} has no test.test_concurrent_futures (its Lib/test was installed "
            "without it): CPython's thread-pool tests cannot run against the teaching executor"
        )


# --- the skips ----------------------------------------------------------------------------------


def _apply_skips() -> None:
    for (class_name, test_name), reason in SKIPS.items():
        cls = globals().get(class_name)
        if cls is None:  # that suite is not installed here
            continue
        since = SKIP_SINCE.get((class_name, test_name), (0, 0))
        if since > PY:
            assert not hasattr(cls, test_name), f"{class_name}.{test_name}: fix SKIP_SINCE"
            continue
        assert hasattr(cls, test_name), f"SKIPS names {class_name}.{test_name}: no such test"
        setattr(cls, test_name, unittest.skip(reason)(getattr(cls, test_name)))


_apply_skips()


def test_the_suites_really_use_the_teaching_classes() -> None:
    """A guard against a silent pass: each subclass tests what its name says."""
    if lock_tests is not None:
        assert TeachingRLockTests.locktype is TeachingRLock
        assert TeachingConditionTests.condtype is TeachingCondition
        assert TeachingSemaphoreTests.semtype is TeachingSemaphore
        assert TeachingBoundedSemaphoreTests.semtype is TeachingBoundedSemaphore
    pools = [
        v
        for k, v in globals().items()
        if k.startswith("TeachingThreadPool")
        and isinstance(v, type)
        and issubclass(v, unittest.TestCase)
    ]
    assert all(p.executor_type is TeachingThreadPoolExecutor for p in pools)
    assert threading.Condition is not TeachingCondition
