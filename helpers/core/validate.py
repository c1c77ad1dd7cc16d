"""Argument validators shared by every public helper.

Each one returns the value it checked (so a call can validate and assign in one line) or raises
``TypeError`` (wrong type) or ``ValueError`` (right type, value out of range) with a message
that names the argument and says what is allowed::

    workers must be >= 1; got 0
    kind must be one of ['cpu', 'io', 'hash']; got 'gpu'
    tasks must be an int >= 1; got '3'

``bool`` is refused wherever a number is expected (``True`` is an ``int`` to Python, but
``workers=True`` is always a mistake), and NaN is refused wherever a range is checked.

This module imports nothing from the course and nothing heavy: worker processes started with
``spawn`` import the modules that use it. :mod:`helpers.workloads` re-exports every validator,
so ``from helpers.workloads import validate_positive_int`` keeps working.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")

#: The longest timeout any helper accepts: no demo of the course waits a week for anything.
MAX_TIMEOUT_S = 7 * 24 * 3600.0


def _show(number: float) -> str:
    """``1000000`` rather than ``1e+06``; ``0.1`` rather than ``0.1000``."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- counts and sizes ---------------------------------------------------------------------------


def validate_int(
    value: object, argument: str, minimum: int | None = 1, maximum: int | None = None
) -> int:
    """Return ``value`` if it is an int in ``minimum..maximum`` (None: no bound on that side)."""
    if (
        _is_int(value)
        and (minimum is None or value >= minimum)  # type: ignore[operator]
        and (maximum is None or value <= maximum)  # type: ignore[operator]
    ):
        return value  # type: ignore[return-value]
    # Only a refused value pays for the message.
    if minimum is None:
        range_ = "" if maximum is None else f"<= {maximum}"
    else:
        range_ = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
    if not _is_int(value):
        raise TypeError(f"{argument} must be an int {range_}".rstrip() + f"; got {value!r}")
    raise ValueError(f"{argument} must be {range_}; got {value}")


def validate_positive_int(value: object, argument: str) -> int:
    """Return ``value`` if it is an int >= 1 (bools are refused), else raise naming ``argument``."""
    return validate_int(value, argument, 1)


def validate_non_negative_int(value: object, argument: str, maximum: int | None = None) -> int:
    """Return ``value`` if it is an int >= 0 (and <= ``maximum``); for counts where 0 means
    something, which the caller's docstring says (an unbounded queue, a serial run ...)."""
    return validate_int(value, argument, 0, maximum)


# --- numbers, seconds, milliseconds -------------------------------------------------------------


def validate_number(
    value: object,
    argument: str,
    *,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    above_minimum: bool = False,
    unit: str = "",
) -> float:
    """Return ``value`` as a float if it is a number in ``[minimum, maximum]`` (``(minimum,
    maximum]`` with ``above_minimum``); ``unit`` (``"seconds"`` ...) goes into the message."""
    noun = f"a number of {unit}" if unit else "a number"
    if not _is_number(value):
        raise TypeError(f"{argument} must be {noun}; got {value!r}")
    assert isinstance(value, (int, float))
    low_ok = value > minimum if above_minimum else value >= minimum
    if not (low_ok and value <= maximum):  # also refuses NaN, which compares False to anything
        unit_text = f" {unit}" if unit else ""
        if minimum == -math.inf and maximum == math.inf:
            bounds, unit_text = "a number, not NaN", ""
        elif above_minimum:
            bounds = f"> {_show(minimum)}"
            if maximum != math.inf:
                bounds += f" and <= {_show(maximum)}"
        elif maximum == math.inf:
            bounds = f">= {_show(minimum)}"
        elif minimum == -math.inf:
            bounds = f"<= {_show(maximum)}"
        else:
            bounds = f"between {_show(minimum)} and {_show(maximum)}"
        raise ValueError(f"{argument} must be {bounds}{unit_text}; got {value!r}")
    return float(value)


def validate_seconds(value: object, argument: str, maximum: float = 60.0) -> float:
    """Return ``value`` as a float if it is a number in (0, maximum], else raise naming it."""
    return validate_number(
        value, argument, minimum=0, maximum=maximum, above_minimum=True, unit="seconds"
    )


def validate_timeout(
    value: object, argument: str = "timeout", maximum: float = MAX_TIMEOUT_S
) -> float:
    """A bound on a wait, in seconds: 0 (do not wait, just look) up to ``maximum``.

    ``None`` (wait forever) is refused: every blocking call in the course has a bound.
    """
    return validate_number(value, argument, minimum=0, maximum=maximum, unit="seconds")


def validate_ms(value: object, argument: str, minimum: float, maximum: float) -> float:
    """Return ``value`` as a float if it is a number of milliseconds in ``[minimum, maximum]``."""
    return validate_number(value, argument, minimum=minimum, maximum=maximum, unit="milliseconds")


# --- choices, flags, callables, types -------------------------------------------------------------


def validate_choice(value: T, argument: str, allowed: Iterable[object]) -> T:
    """Return ``value`` if it is one of ``allowed`` (strings, or ints), else raise naming both.

    A value of another type than the allowed ones (``None``, ``3`` for a string choice, a bool
    for an int choice) is a ``TypeError``; an unknown value of the right type a ``ValueError``.
    """
    options = list(allowed)
    if all(isinstance(option, str) for option in options):
        noun, right_type = "a string", isinstance(value, str)
    else:
        noun, right_type = "an int", _is_int(value)
    if not right_type:
        raise TypeError(f"{argument} must be {noun}, one of {options}; got {value!r}")
    if value not in options:
        raise ValueError(f"{argument} must be one of {options}; got {value!r}")
    return value


def validate_flag(value: object, argument: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False``: ``locked="no"`` would be truthy."""
    if not isinstance(value, bool):
        raise TypeError(f"{argument} must be True or False; got {value!r}")
    return value


def validate_callable(value: T, argument: str, *, optional: bool = False) -> T:
    """Return ``value`` if it can be called (or is None, with ``optional``)."""
    if optional and value is None:
        return value
    if not callable(value):
        allowed = "callable or None" if optional else "callable"
        raise TypeError(f"{argument} must be {allowed}; got {value!r}")
    return value


def validate_instance(
    value: T, argument: str, types: type | tuple[type, ...], *, optional: bool = False
) -> T:
    """Return ``value`` if it is an instance of ``types`` (or None, with ``optional``)."""
    if optional and value is None:
        return value
    if not isinstance(value, types):
        names = [kind.__name__ for kind in (types if isinstance(types, tuple) else (types,))]
        allowed = " or ".join(names) + (" or None" if optional else "")
        article = "an" if allowed[0].lower() in "aeiou" else "a"
        raise TypeError(f"{argument} must be {article} {allowed}; got {value!r}")
    return value


def validate_has(value: T, argument: str, attributes: Iterable[str], what: str) -> T:
    """Return ``value`` if it has every one of ``attributes``, callable (duck typing: a lock
    has ``acquire`` and ``release``, a queue ``get`` ...)."""
    missing = [name for name in attributes if not callable(getattr(value, name, None))]
    if missing:
        raise TypeError(f"{argument} must be {what} (with {', '.join(missing)}); got {value!r}")
    return value


def validate_items(values: object, argument: str) -> list[Any]:
    """Return the values of a list, tuple, range or other iterable as a list.

    A string is refused: ``kinds="cpu"`` would otherwise be read as ``["c", "p", "u"]``.
    Emptiness is left to the caller, whose message says what the list must hold.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{argument} must be a list or tuple; got {values!r}")
    return list(values)


__all__ = [
    "MAX_TIMEOUT_S",
    "validate_callable",
    "validate_choice",
    "validate_flag",
    "validate_has",
    "validate_instance",
    "validate_int",
    "validate_items",
    "validate_ms",
    "validate_non_negative_int",
    "validate_number",
    "validate_positive_int",
    "validate_seconds",
    "validate_timeout",
]
