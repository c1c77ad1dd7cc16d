"""Argument domains, declared once in the signature, checked at the call.

A public helper says what each count, size, duration, choice, flag or callable may be, with
``typing.Annotated``, and :func:`validated` checks every argument a caller passes before the
function body runs::

    @validated
    def run_tasks(kind: Kind, workers: Workers, tasks: Annotated[int, Int(1, 10_000)]) -> ...

Bad input gets a ``TypeError`` (wrong type) or ``ValueError`` (right type, out of range) that
names the argument and the allowed values, before any thread or process starts. The
property-based bad-input test (``tests/test_bad_input.py``) reads the same declarations, so
the bound a learner meets and the bound the test tries are one piece of text.

Child-safe: imports nothing heavy, so worker processes may import modules that use it.
"""

from __future__ import annotations

import functools
import inspect
import math
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from . import validate as v

F = TypeVar("F", bound=Callable[..., Any])


class Domain:
    """What one argument may be. ``check`` returns the value to pass on (a list for
    :class:`Items`), ``example`` a valid value, ``edges`` a few invalid values that sit right
    at the border (the bad-input test always tries them)."""

    optional: bool = False

    def check(self, value: Any, argument: str) -> Any:
        raise NotImplementedError

    def example(self) -> Any:
        raise NotImplementedError

    def edges(self) -> list[Any]:
        return []

    def accepts(self, value: Any) -> bool:
        try:
            self.check(value, "value")
        except (TypeError, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Int(Domain):
    """An int from ``minimum`` to ``maximum`` (None: no bound on that side); bools refused."""

    minimum: int | None = 1
    maximum: int | None = None
    optional: bool = False

    def check(self, value: Any, argument: str) -> Any:
        if self.optional and value is None:
            return None
        return v.validate_int(value, argument, self.minimum, self.maximum)

    def example(self) -> Any:
        return (
            self.minimum
            if self.minimum is not None
            else 0
            if self.maximum is None
            else min(0, self.maximum)
        )

    def edges(self) -> list[Any]:
        edges: list[Any] = [True, 1.0, "1"]
        if self.minimum is not None:
            edges.append(self.minimum - 1)
        if self.maximum is not None:
            edges.append(self.maximum + 1)
        return edges


@dataclass(frozen=True)
class Number(Domain):
    """A number in ``[minimum, maximum]`` (``(minimum, maximum]`` with ``above``); NaN refused.

    ``unit`` names the unit in messages (``"seconds"``, ``"milliseconds"``).
    """

    minimum: float = -math.inf
    maximum: float = math.inf
    above: bool = False
    unit: str = ""
    optional: bool = False

    def check(self, value: Any, argument: str) -> Any:
        if self.optional and value is None:
            return None
        v.validate_number(
            value,
            argument,
            minimum=self.minimum,
            maximum=self.maximum,
            above_minimum=self.above,
            unit=self.unit,
        )
        return value  # as given: an int stays an int

    def example(self) -> Any:
        if self.minimum == -math.inf:
            return min(0.0, self.maximum)
        if self.above:
            return min(self.minimum + 1e-3, (self.minimum + self.maximum) / 2)
        return self.minimum

    def edges(self) -> list[Any]:
        edges: list[Any] = [math.nan, True, "1", None if not self.optional else "x"]
        if self.minimum != -math.inf:
            edges.append(self.minimum if self.above else self.minimum - 1e-9)
        if self.maximum != math.inf:
            edges.append(self.maximum * (1 + 1e-9) + 1e-9)
        return edges


def Seconds(maximum: float = 60.0, *, optional: bool = False) -> Number:
    """A duration that must be positive: ``(0, maximum]`` seconds."""
    return Number(0, maximum, above=True, unit="seconds", optional=optional)


def Millis(minimum: float, maximum: float) -> Number:
    """A number of milliseconds in ``[minimum, maximum]``."""
    return Number(minimum, maximum, unit="milliseconds")


def Wait(maximum: float = v.MAX_TIMEOUT_S) -> Number:
    """A bound on a wait: 0 (do not wait, just look) up to ``maximum`` seconds; never None."""
    return Number(0, maximum, unit="seconds")


@dataclass(frozen=True, eq=False)
class Choice(Domain):
    """One of ``options`` (strings, or ints): the keys of a mapping, or a sequence.

    A mapping is read at each check, so a choice added to it later (the interpreter pool on
    Python 3.14) is allowed from then on.
    """

    options: Iterable[Any]
    optional: bool = False

    @property
    def allowed(self) -> tuple[Any, ...]:
        return tuple(self.options)

    def check(self, value: Any, argument: str) -> Any:
        if self.optional and value is None:
            return None
        return v.validate_choice(value, argument, self.allowed)

    def example(self) -> Any:
        return self.allowed[0]

    def edges(self) -> list[Any]:
        strings = all(isinstance(option, str) for option in self.allowed)
        return ["", "Unknown", 0, True] if strings else [max(self.allowed) + 1, "1", True]


@dataclass(frozen=True)
class Flag(Domain):
    """``True`` or ``False``: ``locked="no"`` would be truthy."""

    def check(self, value: Any, argument: str) -> Any:
        return v.validate_flag(value, argument)

    def example(self) -> Any:
        return False

    def edges(self) -> list[Any]:
        return [0, 1, "yes", None]


@dataclass(frozen=True)
class Fn(Domain):
    """Something callable (or None, with ``optional``)."""

    optional: bool = False

    def check(self, value: Any, argument: str) -> Any:
        return v.validate_callable(value, argument, optional=self.optional)

    def example(self) -> Any:
        return _nothing

    def edges(self) -> list[Any]:
        return [0, "print"] + ([] if self.optional else [None])


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


@dataclass(frozen=True)
class Of(Domain):
    """An instance of ``types`` (or None, with ``optional``)."""

    types: type | tuple[type, ...]
    optional: bool = False

    def check(self, value: Any, argument: str) -> Any:
        return v.validate_instance(value, argument, self.types, optional=self.optional)

    def example(self) -> Any:
        kind = self.types[0] if isinstance(self.types, tuple) else self.types
        if kind in (str, int, float, bool, bytes, tuple, list, dict):
            return kind()
        from unittest import mock  # only the bad-input test asks for examples of objects

        return mock.NonCallableMagicMock(spec=kind)

    def edges(self) -> list[Any]:
        return [0, "x"] + ([] if self.optional else [None])


@dataclass(frozen=True)
class Has(Domain):
    """Anything with these callable attributes (duck typing: a lock has acquire and release)."""

    attributes: tuple[str, ...]
    what: str

    def check(self, value: Any, argument: str) -> Any:
        return v.validate_has(value, argument, self.attributes, self.what)

    def example(self) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(**{name: _nothing for name in self.attributes})

    def edges(self) -> list[Any]:
        return [0, None, "lock"]


@dataclass(frozen=True)
class Items(Domain):
    """A list, tuple or range of values, each from ``each``; passed on as a list.

    A string is refused (``kinds="cpu"`` is not ``["c", "p", "u"]``), and so is an empty list
    unless ``empty_ok``.
    """

    each: Domain | None = None
    empty_ok: bool = False
    optional: bool = False
    most: int | None = None
    what: str = ""  # for the message when empty: "list at least one <what>"

    def check(self, value: Any, argument: str) -> Any:
        if self.optional and value is None:
            return None
        values = v.validate_items(value, argument)
        if not values and not self.empty_ok:
            wanted = f"list at least one {self.what}" if self.what else "not be empty"
            raise ValueError(f"{argument} must {wanted}; got {value!r}")
        if self.most is not None and len(values) > self.most:
            raise ValueError(f"{argument} must hold at most {self.most} values; got {len(values)}")
        if self.each is not None:
            values = [self.each.check(item, argument) for item in values]
        return values

    def example(self) -> Any:
        return (
            [] if self.each is None and self.empty_ok else [self.each.example() if self.each else 0]
        )

    def edges(self) -> list[Any]:
        edges: list[Any] = [3, "ab"]
        if not self.empty_ok:
            edges.append([])
        if self.each is not None:
            edges += [[self.each.example(), bad] for bad in self.each.edges()[:3]]
        return edges


@dataclass(frozen=True)
class Where(Domain):
    """A domain of its own: ``test(value, argument)`` raises, or returns the value to pass on.

    For the few shapes no other domain describes (a ``(solid, faded)`` pair of strings ...).
    ``valid`` is an example that passes, ``invalid`` a few values that must not.
    """

    test: Callable[[Any, str], Any]
    valid: Any
    invalid: tuple[Any, ...]

    def check(self, value: Any, argument: str) -> Any:
        return self.test(value, argument)

    def example(self) -> Any:
        return self.valid

    def edges(self) -> list[Any]:
        return list(self.invalid)


# --- The shapes every lesson shares, declared once ------------------------------------------------

#: The most threads or processes one run of a demo may start.
MAX_WORKERS = 256

Workers = Annotated[int, Int(1, MAX_WORKERS)]
Count = Annotated[int, Int(1)]  # a positive count with no upper bound of its own
Timeout = Annotated[float, Wait()]
Progress = Annotated[Callable[[int, int], None] | None, Fn(optional=True)]
AnyInt = Annotated[int, Int(None)]
Text = Annotated[str, Of(str)]
OptionalText = Annotated[str | None, Of(str, optional=True)]
Bool = Annotated[bool, Flag()]


# --- The decorator --------------------------------------------------------------------------------


def domains_of(fn: Callable[..., Any]) -> dict[str, Domain]:
    """``{parameter: domain}`` for every parameter of ``fn`` annotated with a :class:`Domain`."""
    found: dict[str, Domain] = {}
    target = inspect.unwrap(fn)
    for name, annotation in _parameter_annotations(target).items():
        domain = _domain_in(annotation)
        if domain is not None:
            found[name] = domain
    return found


def _parameter_annotations(fn: Callable[..., Any]) -> dict[str, Any]:
    """Each parameter's annotation, evaluated (``from __future__ import annotations`` leaves
    strings). A return annotation that names a type imported only for type checkers is
    never evaluated, so it cannot break the call."""
    hints: dict[str, Any] = {}
    namespace = getattr(fn, "__globals__", {})
    for name, parameter in inspect.signature(fn).parameters.items():
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            continue
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)
            except NameError:
                if "Annotated" in annotation:
                    raise
                continue
        hints[name] = annotation
    return hints


def _domain_in(annotation: Any) -> Domain | None:
    """The domain in ``Annotated[T, domain]``, also inside ``Annotated[...] | None``."""
    if typing.get_origin(annotation) is Annotated:
        return next((m for m in annotation.__metadata__ if isinstance(m, Domain)), None)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found = [_domain_in(arg) for arg in typing.get_args(annotation)]
        return next((domain for domain in found if domain is not None), None)
    return None


def validated(fn: F) -> F:
    """Check every argument the caller passed against its declared domain, then call ``fn``.

    Defaults are not checked (they are ours). A ``*args`` domain applies to each value. The
    domains are read on the first call, when the module that declares them is fully imported.
    The check maps arguments to parameters by position and name itself (``Signature.bind``
    would cost more than many of the course's tasks); a call with the wrong shape reaches
    ``fn``, which raises the usual ``TypeError``.
    """
    parameters = list(inspect.signature(fn).parameters.values())
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    rest = next((p.name for p in parameters if p.kind is p.VAR_POSITIONAL), None)
    cache: dict[str, Domain] = {}
    ready = False

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        nonlocal ready
        if not ready:
            cache.update(domains_of(fn))
            ready = True
        if cache:
            values = list(args)
            for i, value in enumerate(args):
                name = positional[i] if i < len(positional) else rest
                domain = cache.get(name) if name is not None else None
                if domain is not None:
                    values[i] = domain.check(value, name)
            for name, value in kwargs.items():
                domain = cache.get(name)
                if domain is not None:
                    kwargs[name] = domain.check(value, name)
            args = tuple(values)
        return fn(*args, **kwargs)

    checked.__validated__ = True  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]


def is_validated(fn: object) -> bool:
    return getattr(fn, "__validated__", False) is True


__all__ = [
    "MAX_WORKERS",
    "AnyInt",
    "Bool",
    "Choice",
    "Count",
    "Domain",
    "Flag",
    "Fn",
    "Has",
    "Int",
    "Items",
    "Millis",
    "Number",
    "Of",
    "OptionalText",
    "Progress",
    "Seconds",
    "Text",
    "Timeout",
    "Wait",
    "Where",
    "Workers",
    "domains_of",
    "is_validated",
    "validated",
]
