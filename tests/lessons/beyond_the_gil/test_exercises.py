"""Checkers of notebook 10: each accepts the reference solution and rejects typical mistakes."""

from __future__ import annotations

import threading

import pytest

from helpers.lessons.beyond_the_gil import exercises


def good_probe(sys_module) -> bool:
    probe = getattr(sys_module, "_is_gil_enabled", None)
    return True if probe is None else probe()


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (lambda s: s._is_gil_enabled(), "AttributeError"),
        (lambda s: False, "every CPython has the GIL"),
        (lambda s: True, "returns False"),
        (lambda s: not getattr(s, "_is_gil_enabled", lambda: True)(), "every CPython has the GIL"),
        ("yes", "should be a function"),
    ],
)
def test_gil_probe_checker(answer, fragment: str) -> None:
    assert exercises.check_gil_probe(good_probe).ok
    feedback = exercises.check_gil_probe(answer)
    assert not feedback.ok and fragment in feedback.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ({"counter += 1"}, "still a race"),
        (set(exercises.RACY | {"items.append(x)"}), "safe on every build"),
        ({"counter++"}, "not one of the four"),
        (None, "set of the statements"),
    ],
)
def test_still_racy_checker(answer, fragment: str) -> None:
    assert exercises.check_still_racy(set(exercises.RACY)).ok
    feedback = exercises.check_still_racy(answer)
    assert not feedback.ok and fragment in feedback.message


class LockedCounter:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


class NaiveCounter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        self.value += 1


class NoValue:
    def __init__(self) -> None:
        self.count = 0

    def increment(self) -> None:
        self.count += 1


def test_safe_counter_checker() -> None:
    assert exercises.check_safe_counter(LockedCounter).ok
    naive = exercises.check_safe_counter(NaiveCounter)
    assert not naive.ok and "updates were lost" in naive.message
    assert "attribute called value" in exercises.check_safe_counter(NoValue).message
