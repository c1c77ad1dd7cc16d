"""Checkers for notebook 10 (beyond the GIL).

The two "fix it" checkers (:func:`check_safe_counter`, :func:`check_register`) do not hope
that real threads happen to interleave badly: they force the one interleaving that breaks an
unsafe answer (see :mod:`.forced`), so an unsafe answer fails on every run, on every build.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from ...core import checks
from ...core.lifecycle import run_threads
from .forced import BOUND_S, QUIET_S, Forced, Schedule, force, watched_locks


def _fake_sys(version: tuple[int, int], gil: bool | None) -> types.SimpleNamespace:
    """A stand-in for ``sys`` of that version: ``_is_gil_enabled`` exists from 3.13 on."""
    fake = types.SimpleNamespace(version_info=(*version, 0, "final", 0))
    if gil is not None:
        fake._is_gil_enabled = lambda: gil
    return fake


#: (what the stand-in is, its version, what its ``_is_gil_enabled()`` returns or None).
_PROBE_CASES = (
    ("Python 3.12 (no sys._is_gil_enabled)", (3, 12), None),
    ("Python 3.13, a GIL build", (3, 13), True),
    ("Python 3.13t with the GIL off", (3, 13), False),
    ("Python 3.14t with PYTHON_GIL=1", (3, 14), True),
    ("Python 3.14t with the GIL off", (3, 14), False),
)


@checks.checker
def check_gil_probe(gil_is_enabled: object) -> checks.Feedback:
    """``gil_is_enabled(sys_module)`` must answer from the module it is given, on 3.10-3.14."""
    gil_is_enabled = checks.expect_callable(gil_is_enabled, "gil_is_enabled")
    for what, version, gil in _PROBE_CASES:
        try:
            answer = gil_is_enabled(_fake_sys(version, gil))
        except AttributeError:
            raise checks.Wrong(
                f"on {what} your function raises AttributeError: sys._is_gil_enabled exists "
                "only from 3.13 on. Look it up with getattr and a default."
            ) from None
        expected = True if gil is None else gil
        if answer is not expected:
            why = (
                "before 3.13 every CPython has the GIL"
                if gil is None
                else f"sys._is_gil_enabled() returns {gil} there"
            )
            raise checks.Wrong(
                f"on {what} the answer is {expected} ({why}); yours is {answer!r}. Answer from "
                "the sys module you are given, not from this kernel, the version, or the build."
            )
    return checks.passed(
        "right on every version and build: it asks where it can and knows otherwise."
    )


RACY = frozenset(
    {
        "counter += 1",
        "if key not in d: d[key] = value",
        "x = items.pop() if items else None",
    }
)
SAFE = frozenset({"items.append(x)", "d[key] = value", "d.setdefault(key, value)"})


@checks.checker
def check_still_racy(still_racy: object) -> checks.Feedback:
    """Which of six statements are still races on free-threaded Python?"""
    if not isinstance(still_racy, (set, frozenset, list, tuple)):
        raise checks.Wrong("answer with a set of the statements, copied from the list above.")
    chosen = set(still_racy)
    unknown = chosen - RACY - SAFE
    if unknown:
        raise checks.Wrong(
            f"{sorted(unknown)} is not one of the six statements; copy them exactly."
        )
    wrongly_racy = chosen & SAFE
    if wrongly_racy:
        raise checks.Wrong(
            f"{sorted(wrongly_racy)}: one call on a built-in list or dict (with str keys) is "
            "done as a whole on every build; free-threaded CPython locks the container inside."
        )
    if "counter += 1" not in chosen:
        raise checks.Wrong(
            "`counter += 1` is still a race: a read, an add and a write. A run on a GIL build "
            "that lost nothing was luck (the GIL rarely switches threads inside that window), "
            "not safety."
        )
    missing = RACY - chosen
    if missing:
        raise checks.Wrong(
            f"{sorted(missing)} is still a race: a check, then an action on what the check saw, "
            "and another thread can change the container in between, with or without a GIL."
        )
    return checks.passed(
        "removing the GIL removes no race in your code: compound steps need a lock."
    )


def _watched_counter(counter_class: type, schedule: Schedule) -> type:
    """The learner's class, with ``value`` a property that reports each read and write."""

    class Watched(counter_class):  # type: ignore[misc, valid-type]
        @property
        def value(self) -> int:
            current = self.__dict__.get("_checked_value", 0)
            schedule.record(f"reads value = {current}")
            return current

        @value.setter
        def value(self, new: int) -> None:
            schedule.before_write(f"writes value = {new}")
            self.__dict__["_checked_value"] = new

    return Watched


def _forced_run(build: Callable[[Schedule], Any], call: Callable[[Any, str], Any]) -> tuple:
    """Build the shared object (its locks watched), then force A and B through ``call``."""
    schedule = Schedule()
    with watched_locks(schedule):
        shared = build(schedule)

    def run() -> Forced:
        return force(schedule, lambda: call(shared, "A"), lambda: call(shared, "B"))

    forced = checks.call_with_timeout(run, timeout=3 * BOUND_S)
    for name, error in forced.errors.items():
        raise checks.Wrong(f"thread {name} raised {type(error).__name__}: {error}")
    return shared, forced


def _how_b_was_held(forced: Forced) -> str:
    if not forced.a_stopped:
        return "A never wrote, so there was nothing to stop it before"
    if forced.b_waited:
        return "B waited for the lock A held"
    if forced.b_finished_first:
        return "B ran to the end, and A's one-step update came after it"
    return f"B made no step for {QUIET_S:g} s: it was waiting for A"


@checks.checker
def check_safe_counter(counter_class: type) -> checks.Feedback:
    """A counter whose ``increment()`` is exact from many threads, on any build."""
    checks.expect_callable(counter_class, "SafeCounter")
    plain = counter_class()
    if not callable(getattr(plain, "increment", None)):
        raise checks.Wrong("SafeCounter needs an increment() method.")
    if "value" not in vars(plain):
        raise checks.Wrong(
            "keep the count in an attribute called value (self.value = 0 in __init__)."
        )
    for _ in range(3):
        checks.call_with_timeout(plain.increment, timeout=BOUND_S)
    if plain.value != 3:
        raise checks.Wrong(f"three increments in one thread should give 3, got {plain.value!r}.")

    counter, forced = _forced_run(
        lambda schedule: _watched_counter(counter_class, schedule)(),
        lambda shared, _name: shared.increment(),
    )
    if counter.__dict__.get("_checked_value") != 2:
        raise checks.Wrong(
            "the checker stopped thread A between its read and its write and let thread B run: "
            f"{forced.story()}. Two increments left value = "
            f"{counter.__dict__.get('_checked_value')}: an update was lost. Hold one lock, "
            "shared by every call, around the whole read-modify-write."
        )

    real = counter_class()
    threads, rounds = 4, 200
    checks.call_with_timeout(
        lambda: run_threads(
            lambda: [real.increment() for _ in range(rounds)],
            [()] * threads,
            timeout=BOUND_S,
            name="counter-check",
        ),
        timeout=2 * BOUND_S,
    )
    if real.value != threads * rounds:
        raise checks.Wrong(f"{threads} threads x {rounds} increments gave {real.value}, not 800.")
    return checks.passed(
        "exact. The checker stopped one thread between its read and its write and let another "
        f"try ({_how_b_was_held(forced)}); then 4 threads x 200 increments gave 800."
    )


class _WatchedDict(dict):  # type: ignore[type-arg]
    """A dict that reports its reads and, before each change, lets the schedule stop A."""

    def __init__(self, schedule: Schedule) -> None:
        super().__init__()
        self._schedule = schedule

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        self._schedule.record(f"finds {key!r} {'present' if found else 'missing'}")
        return found

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self._schedule.record(f"reads {value!r}")
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        self._schedule.record(f"gets {value!r}")
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self._schedule.before_write(f"stores {value!r}")
        super().__setitem__(key, value)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._schedule.before_write(f"setdefault({default!r})")
        return super().setdefault(key, default)  # one dict operation: nobody gets in between

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._schedule.before_write("updates")
        super().update(*args, **kwargs)


@checks.checker
def check_register(register: object) -> checks.Feedback:
    """``register(registry, key, value)``: the first value stored under ``key`` wins, and every
    caller, in any thread, gets the winner back."""
    register = checks.expect_callable(register, "register")
    registry: dict[str, int] = {}
    first = checks.call_with_timeout(register, registry, "k", 1, timeout=BOUND_S)
    second = checks.call_with_timeout(register, registry, "k", 2, timeout=BOUND_S)
    if (first, second, registry) != (1, 1, {"k": 1}):
        raise checks.Wrong(
            "one thread calling register(registry, 'k', 1) then register(registry, 'k', 2) "
            f"should get 1 both times and leave {{'k': 1}}; got {first!r}, {second!r} and "
            f"{registry!r}."
        )

    shared, forced = _forced_run(
        _WatchedDict,
        lambda shared, name: register(shared, "key", f"{name}'s value"),
    )
    told = (forced.results.get("A"), forced.results.get("B"))
    stored = dict.get(shared, "key")
    if told[0] != told[1]:
        raise checks.Wrong(
            "the checker stopped thread A just before it stored its value and let thread B run: "
            f"{forced.story()}. A was told {told[0]!r} won, B was told {told[1]!r}: each "
            "thinks its own value is the one stored. Make the check and the store one step."
        )
    if told[0] != stored or stored not in ("A's value", "B's value"):
        raise checks.Wrong(
            f"both threads were told {told[0]!r}, but the registry holds {stored!r}: "
            f"{forced.story()}."
        )
    return checks.passed(
        f"both threads got {stored!r}, the value stored, with thread A stopped before its "
        f"store ({_how_b_was_held(forced)})."
    )
