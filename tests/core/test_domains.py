"""The shared validators and the domains built on them: exact ranges, the course's messages,
and the decorator that checks a call against its signature."""

from __future__ import annotations

import math
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.core import domains as d
from helpers.core import validate

BAD_INPUT = settings(max_examples=20, deadline=None, database=None)


@BAD_INPUT
@given(
    low=st.integers(-1_000, 1_000),
    span=st.integers(0, 1_000),
    offset=st.integers(0, 1_000),
)
def test_validate_int_accepts_exactly_its_range(low: int, span: int, offset: int) -> None:
    high = low + span
    inside = low + offset % (span + 1)
    assert validate.validate_int(inside, "n", low, high) == inside
    for outside in (low - 1 - offset, high + 1 + offset):
        with pytest.raises(ValueError, match=rf"^n must be between {low} and {high}; got"):
            validate.validate_int(outside, "n", low, high)


@BAD_INPUT
@given(value=st.floats(min_value=1e-9, max_value=60))
def test_validate_seconds_accepts_every_positive_duration_up_to_its_maximum(value: float) -> None:
    assert validate.validate_seconds(value, "timeout") == value


@BAD_INPUT
@given(value=st.one_of(st.integers(0, 1_000), st.floats(0, 1_000)))
def test_validate_ms_accepts_its_closed_range(value: float) -> None:
    assert validate.validate_ms(value, "work_ms", 0, 1_000) == float(value)


def test_messages_keep_the_course_style() -> None:
    cases = [
        (lambda: validate.validate_positive_int(0, "workers"), "workers must be >= 1; got 0"),
        (
            lambda: validate.validate_positive_int("3", "tasks"),
            "tasks must be an int >= 1; got '3'",
        ),
        (
            lambda: validate.validate_choice("c", "mode", ["a", "b"]),
            "mode must be one of ['a', 'b']; got 'c'",
        ),
        (
            lambda: validate.validate_seconds(0, "timeout"),
            "timeout must be > 0 and <= 60 seconds; got 0",
        ),
        (
            lambda: validate.validate_ms(-1, "work_ms", 0, 1_000),
            "work_ms must be between 0 and 1000 milliseconds; got -1",
        ),
        (lambda: validate.validate_flag(1, "locked"), "locked must be True or False; got 1"),
        (lambda: validate.validate_callable(3, "fn"), "fn must be callable; got 3"),
        (
            lambda: validate.validate_items("cpu", "kinds"),
            "kinds must be a list or tuple; got 'cpu'",
        ),
    ]
    for call, expected in cases:
        with pytest.raises((ValueError, TypeError)) as raised:
            call()
        assert str(raised.value) == expected


def test_bools_are_not_numbers_and_nan_is_in_no_range() -> None:
    with pytest.raises(TypeError, match="workers"):
        validate.validate_positive_int(True, "workers")
    with pytest.raises(TypeError, match="task_ms"):
        validate.validate_ms(False, "task_ms", 0, 10)
    with pytest.raises(ValueError, match="timeout"):
        validate.validate_seconds(math.nan, "timeout")
    with pytest.raises(TypeError, match="chunksize"):
        validate.validate_choice(True, "chunksize", [1, 2])


@d.validated
def _run(
    workers: d.Workers,
    kinds: Annotated[list[str], d.Items(d.Choice(["cpu", "io"]))] = ("cpu",),
    *more: Annotated[int, d.Int(0)],
) -> tuple:
    return workers, kinds, more


def test_validated_checks_what_is_passed_and_passes_on_the_checked_value() -> None:
    assert _run(2) == (2, ("cpu",), ())  # defaults are ours: not checked
    assert _run(3, ("io", "cpu")) == (3, ["io", "cpu"], ())  # Items hands on a list
    with pytest.raises(ValueError, match=r"^workers must be between 1 and 256; got 0$"):
        _run(0)
    with pytest.raises(ValueError, match=r"^kinds must be one of \['cpu', 'io'\]; got 'gpu'$"):
        _run(1, ["gpu"])
    with pytest.raises(TypeError, match="kinds must be a list or tuple"):
        _run(1, "cpu")


def test_domains_of_reads_the_annotations_and_is_validated_marks_the_wrapper() -> None:
    found = d.domains_of(_run)
    assert found["workers"] == d.Int(1, d.MAX_WORKERS)
    assert isinstance(found["kinds"], d.Items)
    assert d.is_validated(_run) and not d.is_validated(_run.__wrapped__)


@pytest.mark.parametrize(
    "domain",
    [
        d.Int(1, 8),
        d.Int(None),
        d.Int(0, optional=True),
        d.Seconds(5),
        d.Wait(),
        d.Millis(1, 100),
        d.Choice(["a", "b"]),
        d.Choice([1, 2, 4]),
        d.Flag(),
        d.Fn(),
        d.Fn(optional=True),
        d.Of(str),
        d.Items(d.Int(1)),
        d.Items(empty_ok=True),
    ],
    ids=repr,
)
def test_every_domain_accepts_its_example_and_refuses_its_edges(domain: d.Domain) -> None:
    assert domain.accepts(domain.example())
    refused = [edge for edge in domain.edges() if not domain.accepts(edge)]
    assert refused, f"{domain!r} has no edge it refuses"


def test_optional_domains_take_none_and_the_others_refuse_it() -> None:
    assert d.Int(1, optional=True).accepts(None) and not d.Int(1).accepts(None)
    assert d.Seconds(1, optional=True).accepts(None) and not d.Wait().accepts(None)
    assert d.Choice(["a"], optional=True).accepts(None) and not d.Choice(["a"]).accepts(None)


def test_items_bounds_its_length_and_each_value() -> None:
    most_two = d.Items(d.Int(1), most=2)
    assert most_two.check((1, 2), "counts") == [1, 2]
    with pytest.raises(ValueError, match="counts must hold at most 2 values"):
        most_two.check([1, 2, 3], "counts")
    with pytest.raises(ValueError, match="counts must not be empty"):
        most_two.check([], "counts")
    with pytest.raises(ValueError, match="counts must be >= 1; got 0"):
        most_two.check([1, 0], "counts")
