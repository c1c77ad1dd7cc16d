"""Bad input: every public helper refuses invalid arguments, by name, before it starts anything.

Nothing here lists functions or bounds. Each public helper declares its arguments' domains in
its own signature (``Annotated[int, Int(1, 256)]``, see :mod:`helpers.core.domains`) and is
wrapped in ``@validated``. This driver walks ``helpers``, reads those declarations, and for
every declared argument lets hypothesis draw values from the complement of its domain (ints
past the bounds, floats where ints are needed, strings, None, bools, unknown choices, lists
holding one bad element ...). The call must raise ``ValueError`` or ``TypeError`` whose message
names the argument, and must not start a thread, a process or a subprocess on the way.

A public function or constructor with an ``int``, ``float``, ``str``, ``bool`` or callable
argument (alone, optional, or a list of them) and no declared domain fails
:func:`test_every_such_argument_has_a_declared_domain`.

Out of scope, by rule: ``helpers.teaching`` (it raises exactly what CPython raises; its tests
compare it with the standard library), ``helpers.sketches`` (the syllabus's code as written),
``helpers.core.validate`` and ``helpers.core.domains`` (they are the checks, tested in
``tests/core/test_domains.py``), and scripts under a ``scripts/`` folder (run by other
interpreters, argparse-checked).
Dataclasses, exceptions and protocols are records and types, not entry points.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import importlib
import inspect
import math
import os
import pkgutil
import re
import subprocess
import threading
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from multiprocessing.process import BaseProcess
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers.core import domains as d

# A few dozen draws per argument find every gap (the domains are small and their edges are
# always tried) and keep the whole file well under 20 s.
# Ten bad values per argument: each is drawn from one of three or four kinds (the domain's
# edges, junk of other types, near misses: outside() below), so ten reach every kind; twenty
# made this the suite's longest file for little more.
BAD_INPUT = settings(max_examples=10, deadline=None, database=None)
OUT_OF_SCOPE = (
    "helpers.teaching",
    "helpers.sketches",
    "helpers.core.validate",
    "helpers.core.domains",
)
#: ``LAB_BAD_INPUT_ONLY=helpers.lessons.gil`` drives one part only, for working on it; the
#: suite never sets it.
ONLY = tuple(name for name in os.environ.get("LAB_BAD_INPUT_ONLY", "").split(",") if name)

#: Values of no use as a number, a choice, a flag or a callable.
JUNK = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.just(object()),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.complex_numbers(max_magnitude=10),
)


# --- What the signatures declare ------------------------------------------------------------


def public_callables() -> dict[str, Callable[..., Any]]:
    """Every public function and hand-written constructor defined in ``helpers``."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        if info.name.startswith(OUT_OF_SCOPE) or (ONLY and not info.name.startswith(ONLY)):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != info.name:
                continue
            if inspect.isclass(obj):
                if _is_record_or_type(obj) or "__init__" not in vars(obj):
                    continue
                found[f"{info.name}.{name}"] = obj
            elif inspect.isfunction(obj):
                found[f"{info.name}.{name}"] = obj
    return found


def _is_record_or_type(cls: type) -> bool:
    return (
        dataclasses.is_dataclass(cls)
        or issubclass(cls, BaseException)
        or getattr(cls, "_is_protocol", False)
    )


def entry(obj: Callable[..., Any]) -> Callable[..., Any]:
    """The function whose signature holds the domains: a class's ``__init__``."""
    return vars(obj)["__init__"] if inspect.isclass(obj) else obj


_PLAIN = (int, float, str, bool)


def needs_a_domain(annotation: Any) -> bool:
    """A count, size, duration, choice, flag or callable: alone, optional, or in a list."""
    if annotation in _PLAIN:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return False
    if origin in (typing.Union, types.UnionType):
        return any(needs_a_domain(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is collections.abc.Callable or annotation is collections.abc.Callable:
        return True
    args = typing.get_args(annotation)
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable) and args:
        return needs_a_domain(args[0])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:  # tuple[int, ...]
        return needs_a_domain(args[0])
    return False


def annotations_of(fn: Callable[..., Any]) -> dict[str, Any]:
    return d._parameter_annotations(inspect.unwrap(fn))


PUBLIC = public_callables()
CASES = [
    pytest.param(qualname, name, domain, id=f"{qualname.removeprefix('helpers.')}-{name}")
    for qualname, obj in PUBLIC.items()
    for name, domain in d.domains_of(entry(obj)).items()
]


def test_every_such_argument_has_a_declared_domain() -> None:
    missing = {
        qualname: names
        for qualname, obj in PUBLIC.items()
        if (
            names := sorted(
                name for name, hint in annotations_of(entry(obj)).items() if needs_a_domain(hint)
            )
        )
    }
    assert not missing, (
        "public helpers with counts, sizes, durations, choices, flags or callables that "
        f"declare no domain (annotate them with helpers.core.domains): {missing}"
    )


def test_every_declared_domain_is_enforced() -> None:
    unenforced = [
        qualname
        for qualname, obj in PUBLIC.items()
        if d.domains_of(entry(obj)) and not d.is_validated(entry(obj))
    ]
    assert not unenforced, f"declared domains without @validated: {unenforced}"


@pytest.mark.skipif(bool(ONLY), reason="LAB_BAD_INPUT_ONLY drives one part")
def test_the_driver_sees_the_whole_course() -> None:
    lessons = {q.split(".")[2] for q in PUBLIC if q.startswith("helpers.lessons.")}
    assert {"gil", "threading", "ipc", "multiprocessing"} <= lessons
    assert len(CASES) > 300


# --- The complement of a domain -------------------------------------------------------------


def outside(domain: d.Domain) -> st.SearchStrategy[Any]:
    """Values ``domain`` must refuse: its edges, plus junk and near misses of its own kind."""
    near: list[st.SearchStrategy[Any]] = [JUNK]
    if isinstance(domain, d.Int):
        if domain.minimum is not None:
            near.append(st.integers(max_value=domain.minimum - 1))
        if domain.maximum is not None:
            near.append(st.integers(min_value=domain.maximum + 1))
    elif isinstance(domain, d.Number):
        if domain.minimum != -math.inf:
            near.append(st.floats(max_value=domain.minimum))
        if domain.maximum != math.inf:
            near.append(st.floats(min_value=domain.maximum))
    elif isinstance(domain, d.Choice):
        near.append(
            st.sampled_from([f"{a}x" if isinstance(a, str) else a + 1 for a in domain.allowed])
        )
    elif isinstance(domain, d.Items) and domain.each is not None:
        each = outside(domain.each)
        near += [st.builds(lambda v: [domain.example()[0], v], each), st.tuples(each)]
    edges = [e for e in domain.edges() if not domain.accepts(e)]
    bad = st.one_of(st.sampled_from(edges), *near) if edges else st.one_of(*near)
    return bad.filter(lambda value: not domain.accepts(value))


STRATEGIES: dict[int, st.SearchStrategy[Any]] = {}


def strategy_for(domain: d.Domain) -> st.SearchStrategy[Any]:
    # Built once per domain: hypothesis checks a new strategy on first use, which costs more
    # than its examples.
    return STRATEGIES.setdefault(id(domain), outside(domain))


# --- Running a bad call ---------------------------------------------------------------------


class StartedTooEarly(BaseException):
    """A thread, process or subprocess was started before the arguments were validated.

    A ``BaseException``, so no ``except Exception`` in the helper can swallow it.
    """


@contextmanager
def nothing_may_start() -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise StartedTooEarly("started a thread, process or subprocess before validating")

    with (
        mock.patch.object(threading.Thread, "start", refuse),
        mock.patch.object(BaseProcess, "start", refuse),
        mock.patch.object(subprocess.Popen, "_execute_child", refuse),
    ):
        yield


_MISSING = object()  # for a required argument with no domain: never reached, the check fails first


def call_with(qualname: str, argument: str, bad: Any) -> None:
    obj = PUBLIC[qualname]
    fn = entry(obj)
    declared = d.domains_of(fn)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(fn).parameters.items():
        if name == "self":
            continue
        if name == argument:
            value = bad
        elif name in declared:
            value = declared[name].example()
        elif parameter.default is not inspect.Parameter.empty:
            value = parameter.default
        elif parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        else:
            value = _MISSING
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.append(value)  # a *args domain applies to each value: pass one
        elif parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            args.append(value)
        elif parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[name] = value
    made = obj(*args, **kwargs)
    if isinstance(made, AbstractContextManager):  # a context manager validates on entry
        with made:
            pass


@pytest.mark.parametrize(("qualname", "argument", "domain"), CASES)
@BAD_INPUT
@given(data=st.data())
def test_bad_values_are_refused_by_name_before_anything_starts(
    qualname: str, argument: str, domain: d.Domain, data: st.DataObject
) -> None:
    bad = data.draw(strategy_for(domain), label=argument)
    with nothing_may_start(), pytest.raises((ValueError, TypeError)) as raised:
        call_with(qualname, argument, bad)
    message = str(raised.value)
    assert re.search(rf"(?<![\w$]){re.escape(argument)}(?!\w)", message), (
        f"{qualname}({argument}={bad!r}) raised {raised.type.__name__}: {message!r}, "
        f"which does not name {argument!r}"
    )


@pytest.mark.parametrize(("qualname", "argument", "domain"), CASES)
def test_each_domain_accepts_its_own_example(
    qualname: str, argument: str, domain: d.Domain
) -> None:
    assert domain.accepts(domain.example()), f"{qualname}: {argument}'s example is refused"
