"""Checkers for notebook 10 (beyond the GIL)."""

from __future__ import annotations

import sys
import types

from ...core.checks import Feedback, Wrong, call_with_timeout, checker, expect_callable, passed
from ...core.lifecycle import run_threads
from ...core.races import pause


def _fake_sys(gil: bool | None) -> types.SimpleNamespace:
    """A stand-in for ``sys``: without ``_is_gil_enabled`` (before 3.13), or with it."""
    fake = types.SimpleNamespace(version_info=sys.version_info)
    if gil is not None:
        fake._is_gil_enabled = lambda: gil
    return fake


@checker
def check_gil_probe(gil_is_enabled: object) -> Feedback:
    """``gil_is_enabled(sys_module)`` must work on 3.10-3.12 (no probe) and on 3.13+."""
    expect_callable(gil_is_enabled, "gil_is_enabled")
    assert callable(gil_is_enabled)
    try:
        old = gil_is_enabled(_fake_sys(None))
    except AttributeError:
        raise Wrong(
            "on Python 3.10-3.12 `sys._is_gil_enabled` does not exist, so your function "
            "raises AttributeError there. Use getattr with a default."
        ) from None
    if old is not True:
        raise Wrong(f"before 3.13 every CPython has the GIL, so the answer is True; got {old!r}.")
    for gil in (True, False):
        answer = gil_is_enabled(_fake_sys(gil))
        if answer is not gil:
            raise Wrong(f"when sys._is_gil_enabled() returns {gil}, return {gil}; got {answer!r}.")
    return passed("works on every version: it asks where it can and knows the answer otherwise.")


RACY = frozenset({"counter += 1", "if key not in d: d[key] = value"})
SAFE = frozenset({"items.append(x)", "d[key] = value"})


@checker
def check_still_racy(still_racy: object) -> Feedback:
    """Which of four statements are still races on free-threaded Python?"""
    if not isinstance(still_racy, (set, frozenset, list, tuple)):
        raise Wrong("answer with a set of the statements, copied from the list above.")
    chosen = set(still_racy)
    unknown = chosen - RACY - SAFE
    if unknown:
        raise Wrong(f"{sorted(unknown)} is not one of the four statements; copy them exactly.")
    wrongly_racy = chosen & SAFE
    if wrongly_racy:
        raise Wrong(
            f"{sorted(wrongly_racy)}: one operation on a built-in list or dict is safe on every "
            "build; free-threaded CPython locks the container internally."
        )
    missing = RACY - chosen
    if missing:
        raise Wrong(
            f"{sorted(missing)} is still a race: it is several steps (read, decide or compute, "
            "write), and another thread can run between them with or without a GIL."
        )
    return passed("removing the GIL removes no race in your code: compound steps need a lock.")


def _widened(counter_class: type) -> type:
    """The learner's class with a pause between reading and writing ``value``.

    The pause makes lost updates show up on every build, GIL or not; it is the same honest
    widening of the race window as in notebook 03. A lock around the update still makes it exact.
    """

    class Widened(counter_class):  # type: ignore[misc, valid-type]
        @property
        def value(self) -> int:
            current = self.__dict__.get("_checked_value", 0)
            pause()  # a bare sleep(0) may not switch threads on 3.10; a real sleep always does
            return current

        @value.setter
        def value(self, new: int) -> None:
            self.__dict__["_checked_value"] = new

    return Widened


@checker
def check_safe_counter(counter_class: type) -> Feedback:
    """A counter whose ``increment()`` is exact from many threads, on any build."""
    expect_callable(counter_class, "SafeCounter")
    if not hasattr(counter_class(), "increment"):
        raise Wrong("SafeCounter needs an increment() method.")
    if "value" not in vars(counter_class()):
        raise Wrong("keep the count in an attribute called value (self.value = 0 in __init__).")
    counter = _widened(counter_class)()
    threads, rounds = 4, 500

    def increments() -> None:
        for _ in range(rounds):
            counter.increment()

    # Started together, joined within one bound; an exception in a thread is raised here.
    call_with_timeout(
        lambda: run_threads(increments, [()] * threads, timeout=60, name="counter-check"),
        timeout=90,
    )
    expected = threads * rounds
    if counter.value != expected:
        raise Wrong(
            f"{threads} threads x {rounds} increments should give {expected}, got {counter.value}: "
            "updates were lost. Hold a threading.Lock around the read-modify-write."
        )
    return passed(f"exactly {expected}, even with a pause forced between each read and write.")
