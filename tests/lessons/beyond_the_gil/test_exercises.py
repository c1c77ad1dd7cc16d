"""Checkers of notebook 10: each accepts the model solution and a different correct answer, and
rejects plausible wrong answers, including one that real runs let through by luck."""

from __future__ import annotations

import sys
import sysconfig
import threading

import pytest

from helpers.lessons.beyond_the_gil import exercises, forced

pytestmark = pytest.mark.usefixtures("no_new_threads")


# --- Exercise 1: gil_is_enabled(sys_module) -------------------------------------------------


def model_probe(sys_module) -> bool:
    probe = getattr(sys_module, "_is_gil_enabled", None)
    return True if probe is None else probe()


def probe_by_version(sys_module) -> bool:  # a different correct answer
    if sys_module.version_info < (3, 13):
        return True
    return sys_module._is_gil_enabled()


def probe_with_try(sys_module) -> bool:  # another one
    try:
        return sys_module._is_gil_enabled()
    except AttributeError:
        return True


@pytest.mark.parametrize("answer", [model_probe, probe_by_version, probe_with_try])
def test_gil_probe_accepts_correct_answers(answer) -> None:
    feedback = exercises.check_gil_probe(answer)
    assert feedback.ok, feedback.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        # Asks for the probe without a default: AttributeError before 3.13.
        (lambda s: s._is_gil_enabled(), "AttributeError"),
        # The build is not the state: a free-threaded build can run with the GIL on.
        (lambda s: not sysconfig.get_config_var("Py_GIL_DISABLED"), "not from this kernel"),
        # Lucky: right on the machine that runs it, because it ignores the module it is given.
        (lambda s: getattr(sys, "_is_gil_enabled", lambda: True)(), "not from this kernel"),
        # "The probe exists, so the GIL is off."
        (lambda s: not hasattr(s, "_is_gil_enabled"), "returns True there"),
        (lambda s: False, "every CPython has the GIL"),
        ("yes", "should be a function"),
    ],
)
def test_gil_probe_rejects_wrong_answers(answer, fragment: str) -> None:
    feedback = exercises.check_gil_probe(answer)
    assert not feedback.ok and fragment in feedback.message, feedback.message


# --- Exercise 2: which statements are still races -------------------------------------------


@pytest.mark.parametrize(
    "answer", [set(exercises.RACY), sorted(exercises.RACY), frozenset(exercises.RACY)]
)
def test_still_racy_accepts_the_racy_statements_in_any_container(answer) -> None:
    assert exercises.check_still_racy(answer).ok


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        # Lucky: what one run on a GIL build suggests (the counter came out exact there).
        (exercises.RACY - {"counter += 1"}, "was luck"),
        ({"counter += 1"}, "a check, then an action"),
        (exercises.RACY | {"d.setdefault(key, value)"}, "done as a whole"),
        (exercises.RACY | {"items.append(x)"}, "done as a whole"),
        ({"counter++"}, "not one of the six"),
        (None, "set of the statements"),
    ],
)
def test_still_racy_rejects_wrong_answers(answer, fragment: str) -> None:
    feedback = exercises.check_still_racy(answer)
    assert not feedback.ok and fragment in feedback.message, feedback.message


# --- Exercise 3: SafeCounter -----------------------------------------------------------------


class LockedCounter:  # the model solution
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


_SHARED_LOCK = threading.Lock()


class ModuleLockCounter:  # a different correct answer: the lock is not created by __init__
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        with _SHARED_LOCK:
            self.value += 1


class ConditionCounter:  # another: a Condition is a lock too
    def __init__(self) -> None:
        self.value = 0
        self._changed = threading.Condition()

    def increment(self) -> None:
        with self._changed:
            self.value += 1
            self._changed.notify_all()


class NaiveCounter:
    """Lucky: on a GIL build, real threads almost never switch inside ``+=``, so a plain run
    of this usually ends exact (notebook 03 shows it)."""

    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        self.value += 1


class FreshLockCounter:
    """A new lock on every call: no other thread ever waits for it."""

    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        with threading.Lock():
            self.value += 1


class ReadOnlyLockCounter:
    """The lock covers the read, not the write: the window is still open."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            current = self.value
        self.value = current + 1


class TwoPermitCounter:
    """A semaphore that lets two threads in at once is not a lock."""

    def __init__(self) -> None:
        self.value = 0
        self._slots = threading.Semaphore(2)

    def increment(self) -> None:
        with self._slots:
            self.value += 1


class NoValue:
    def __init__(self) -> None:
        self.count = 0

    def increment(self) -> None:
        self.count += 1


@pytest.mark.parametrize("answer", [LockedCounter, ModuleLockCounter, ConditionCounter])
def test_safe_counter_accepts_correct_answers(answer) -> None:
    feedback = exercises.check_safe_counter(answer)
    assert feedback.ok, feedback.message


@pytest.mark.parametrize(
    "answer", [NaiveCounter, FreshLockCounter, ReadOnlyLockCounter, TwoPermitCounter]
)
def test_safe_counter_rejects_unsafe_counters_every_time(answer) -> None:
    for _ in range(5):  # deterministic: the same verdict and the same lost update each run
        feedback = exercises.check_safe_counter(answer)
        assert not feedback.ok and "an update was lost" in feedback.message, feedback.message
        assert "A reads value = 0" in feedback.message


def test_the_model_counter_makes_b_wait_for_the_lock() -> None:
    assert "B waited for the lock A held" in exercises.check_safe_counter(LockedCounter).message


def test_safe_counter_explains_missing_parts() -> None:
    assert "attribute called value" in exercises.check_safe_counter(NoValue).message
    assert "should be a function" in exercises.check_safe_counter(42).message


def test_safe_counter_reports_a_counter_that_never_finishes(monkeypatch) -> None:
    monkeypatch.setattr(exercises, "BOUND_S", 0.3)
    gate = threading.Event()

    class Stuck:
        def __init__(self) -> None:
            self.value = 0

        def increment(self) -> None:
            gate.wait(10)  # stands for a lock that is never released

    feedback = exercises.check_safe_counter(Stuck)
    gate.set()
    assert not feedback.ok and "did not finish" in feedback.message


def test_the_checker_leaves_threading_as_it_found_it() -> None:
    lock, rlock = threading.Lock, threading.RLock
    exercises.check_safe_counter(LockedCounter)
    assert (threading.Lock, threading.RLock) == (lock, rlock)


# --- Exercise 4: register --------------------------------------------------------------------


def register_setdefault(registry, key, value):  # the model solution
    return registry.setdefault(key, value)


_REGISTRY_LOCK = threading.Lock()


def register_locked(registry, key, value):  # a different correct answer
    with _REGISTRY_LOCK:
        if key not in registry:
            registry[key] = value
        return registry[key]


def register_check_then_act(registry, key, value):
    """Lucky: the check and the store are so close that real runs rarely interleave there."""
    if key not in registry:
        registry[key] = value
    return registry[key]


def register_fresh_lock(registry, key, value):
    with threading.Lock():
        if key not in registry:
            registry[key] = value
        return registry[key]


def register_get_then_set(registry, key, value):
    registry[key] = registry.get(key, value)
    return registry[key]


def register_ask_forgiveness(registry, key, value):
    try:
        return registry[key]
    except KeyError:
        registry[key] = value
        return value


def register_own_value(registry, key, value):
    registry.setdefault(key, value)
    return value


@pytest.mark.parametrize("answer", [register_setdefault, register_locked])
def test_register_accepts_correct_answers(answer) -> None:
    feedback = exercises.check_register(answer)
    assert feedback.ok, feedback.message


@pytest.mark.parametrize(
    "answer",
    [
        register_check_then_act,
        register_fresh_lock,
        register_get_then_set,
        register_ask_forgiveness,
    ],
)
def test_register_rejects_racy_answers_every_time(answer) -> None:
    for _ in range(5):
        feedback = exercises.check_register(answer)
        assert not feedback.ok and "each thinks its own value" in feedback.message
        assert "A stops before" in feedback.message


def test_register_rejects_an_answer_wrong_even_in_one_thread() -> None:
    feedback = exercises.check_register(register_own_value)
    assert not feedback.ok and "one thread calling" in feedback.message


def test_register_reports_an_exception_from_a_thread() -> None:
    def broken(registry, key, value):
        raise KeyError(key)

    assert "KeyError" in exercises.check_register(broken).message


# --- the forced schedule itself --------------------------------------------------------------


def test_force_runs_b_while_a_is_stopped_before_its_write() -> None:
    schedule = forced.Schedule()
    shared = {"value": 0}

    def increment() -> int:
        current = shared["value"]
        schedule.record(f"reads {current}")
        schedule.before_write(f"writes {current + 1}")
        shared["value"] = current + 1
        return current + 1

    result = forced.force(schedule, increment, increment)
    assert [str(step) for step in result.steps] == [
        "A reads 0",
        "A stops before: writes 1",
        "B reads 0",
        "B writes 1",
        "A writes 1",
    ]
    assert result.a_stopped and result.b_finished_first and not result.b_waited
    assert result.results == {"A": 1, "B": 1} and shared["value"] == 1
