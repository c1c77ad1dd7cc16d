"""The small pieces several lessons' checkers share: a dict answer, a table of known mistakes,
and a callable answer."""

from __future__ import annotations

import math

import pytest

from helpers.core import checks

TEMPLATE = {"threads": None, "processes": None}


def test_dict_answer_returns_a_dict_that_keeps_every_key_of_the_template() -> None:
    answer = {"threads": 1, "processes": 2, "extra": 3}
    assert checks.dict_answer(answer, "speeds", TEMPLATE, unset="fill in speeds") is answer


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(None, "^fill in speeds$", id="still None: the exercise's own words"),
        pytest.param([1, 2], "speeds should be a dict; got list", id="not a dict"),
        pytest.param({"threads": 1}, r"keep every key of the table; missing: \['processes'\]",
                     id="a key dropped"),
    ],
)  # fmt: skip
def test_dict_answer_says_what_is_wrong_with_the_dict(answer: object, message: str) -> None:
    with pytest.raises(checks.Wrong, match=message):
        checks.dict_answer(answer, "speeds", TEMPLATE, unset="fill in speeds", called="table")


MISTAKES = {2.0: "that is the ideal, not what was measured", 0.5: "upside down: old / new"}


@pytest.mark.parametrize(
    ("value", "missed"),
    [(2.0, "the ideal"), (2.0 + 1e-12, "the ideal"), (0.5, "upside down")],
)
def test_a_known_wrong_number_is_refused_with_what_it_missed(value: float, missed: str) -> None:
    with pytest.raises(checks.Wrong, match=missed):
        checks.reject_mistakes(value, MISTAKES)


@pytest.mark.parametrize("value", [1.6, 2.1, math.nan, 0])
def test_any_other_number_is_left_to_the_checker(value: float) -> None:
    assert checks.reject_mistakes(value, MISTAKES) is None


def test_a_wider_tolerance_catches_a_rounded_mistake() -> None:
    checks.reject_mistakes(2.02, MISTAKES)
    with pytest.raises(checks.Wrong, match="the ideal"):
        checks.reject_mistakes(2.02, MISTAKES, rel_tol=0.02)


def test_expect_callable_returns_the_callable_and_refuses_anything_else() -> None:
    assert checks.expect_callable(len, "size") is len
    with pytest.raises(checks.Wrong, match="size should be a function; got int"):
        checks.expect_callable(3, "size")


def test_number_answer_refuses_a_known_mistake_and_returns_any_other_number() -> None:
    from helpers.core import learner

    with pytest.raises(checks.Wrong, match="the ideal"):
        learner.number_answer(2, "speedup", MISTAKES)
    with pytest.raises(checks.Wrong, match="the ideal"):
        learner.number_answer(2.03, "speedup", MISTAKES, rel_tol=0.02)
    assert learner.number_answer(1.6, "speedup", MISTAKES) == 1.6
    with pytest.raises(checks.Wrong, match="speedup should be a number; got str"):
        learner.number_answer("2", "speedup", MISTAKES)
