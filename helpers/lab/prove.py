"""What exercise checkers use: :func:`prove` a property over every interleaving, or get the
counterexample.

::

    @checker
    def check_counter(increment):
        verdict = prove({"A": increment, "B": increment}, setup=Counter,
                        check=lambda c: c.value == 2, show=lambda c: {"value": c.value})
        return verdict.feedback("two increments always add 2")

No timing is involved: a wrong answer fails every time, with the schedule that breaks it, and a
right one passes every time, with the number of interleavings that prove it (within the
preemption bound the verdict states).
"""

from __future__ import annotations

import inspect
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from ..core.checks import CheckTimeout, Feedback, Wrong, expect_callable, failed, passed
from ..core.domains import Choice, Fn, Int, Items, Number, Of, Progress, Where, validated
from .records import GRANULARITIES, Program
from .search import MAX_RUNS, Failing, Verdict, explore


def answer_modules(*answers: object) -> tuple[str, ...]:
    """The modules to ``step`` for a learner's answers, besides notebook cells (which the lab
    always steps): each answer's own file, if it has one (a test's, or a module the learner
    wrote). Pass the result as ``prove(..., step=answer_modules(answer))``."""
    names = []
    for answer in answers:
        module = sys.modules.get(getattr(answer, "__module__", None) or "")
        if getattr(module, "__file__", None) and module.__name__ not in names:
            names.append(module.__name__)
    return tuple(names)


@validated
def locks_from_outside(answer: Annotated[Callable[..., Any], Fn()]) -> list[str]:
    """The names of real locks an answer uses that were made before the check (in a cell, or
    as a global): the lab cannot step a wait for one of those (it would block in C), so a
    checker refuses them with a clear message instead of hanging."""
    from .primitives import REAL_LOCK_TYPE, REAL_RLOCK

    real = (REAL_LOCK_TYPE, type(REAL_RLOCK()))
    try:
        used = inspect.getclosurevars(answer)
    except TypeError:  # a builtin or a callable object: nothing to look into
        return []
    outside = {**used.nonlocals, **used.globals}
    return sorted(name for name, value in outside.items() if isinstance(value, real))


@validated
def judge_answer(
    answer: object,
    *,
    call: Annotated[str, Of(str)],
    alone: Annotated[Callable[[Callable[..., Any]], None], Fn()],
    stuck: Annotated[str, Of(str)],
    prove_it: Annotated[Callable[[Callable[..., Any]], Verdict], Fn()],
    holds: Annotated[str, Of(str)],
    without_lab: Annotated[str, Of(str)],
    own_locks: Annotated[str, Of(str)],
    explain: Annotated[Callable[[Verdict], str], Fn()],
) -> Feedback:
    """What every proving checker does with a learner's ``answer``, named by ``call`` (such as
    ``"transfer(source, target, amount)"``): refuse None and what cannot be called; run
    ``alone(answer)``, its one-thread checks (``stuck`` if that does not return in time); say
    so where the lab cannot run; refuse a lock made before the check (the lab cannot step a
    wait on it, and would hang); then ``prove_it(answer)``, and pass with the proof's size or
    fail with what went wrong (``explain``) and the shortest failing schedule as a table."""
    if answer is None:
        raise Wrong(f"write the function {call} first (it is still None).")
    expect_callable(answer, call.split("(")[0])
    try:
        alone(answer)  # type: ignore[arg-type]
    except CheckTimeout:
        raise Wrong(stuck) from None
    from .session import support

    supported = support()
    if not supported.ok:
        return passed(
            f"{without_lab} (The interleaving lab cannot run on this Python, "
            f"{supported.reason}, so the interleavings were not searched.)"
        )
    if locks_from_outside(answer):
        raise Wrong(
            "your function takes a lock made outside it, in a cell, before the check: the "
            f"checker cannot step a wait for that one. {own_locks}"
        )
    verdict = prove_it(answer)  # type: ignore[arg-type]
    if verdict.ok:
        return passed(f"{holds}, whatever the schedule: {verdict.message}.")
    assert verdict.counterexample is not None
    raise Wrong(
        f"{explain(verdict)} The shortest schedule that shows it "
        f"({verdict.message}):\n{verdict.counterexample.table()}"
    )


def _threads(value: Any, argument: str) -> tuple[tuple[str, Callable[..., Any]], ...]:
    """``{"A": fn, "B": fn}`` or ``[fn, fn]`` (named A, B, C ...): at least one thread."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        pairs = list(value)  # already (name, function) pairs
    elif isinstance(value, (list, tuple)):
        if len(value) > len(string.ascii_uppercase):
            raise ValueError(f"{argument} must list at most 26 threads; got {len(value)}")
        pairs = list(zip(string.ascii_uppercase, value, strict=False))
    else:
        raise TypeError(
            f"{argument} must be a dict of name -> function, or a list of functions; "
            f"got {type(value).__name__}"
        )
    if not pairs:
        raise ValueError(f"{argument} must list at least one thread; got no threads")
    for name, fn in pairs:
        if not isinstance(name, str) or not name or not name.isidentifier():
            raise ValueError(
                f"{argument}: each thread name must be a short identifier; got {name!r}"
            )
        if not callable(fn):
            raise TypeError(f"{argument}: thread {name!r} must be a function; got {fn!r}")
    return tuple(pairs)


def _noop(*args: Any) -> None:
    return None


#: The threads of a program: a dict of name -> function (or a list, named A, B, C ...).
Threads = Annotated[
    Mapping[str, Callable[..., Any]] | Sequence[Callable[..., Any]],
    Where(_threads, {"A": _noop}, ({}, [], "A", 3, {"A": 3}, {"": _noop}, None)),
]
Granularity = Annotated[str, Choice(GRANULARITIES)]
Modules = Annotated[Sequence[str], Items(Of(str), empty_ok=True)]
Callback = Annotated[Callable[..., Any] | None, Fn(optional=True)]
Preemptions = Annotated[int | None, Int(0, 20, optional=True)]
MaxSteps = Annotated[int, Int(1, 1_000_000)]
StepTimeout = Annotated[float, Number(0, 60, above=True, unit="seconds")]


@validated
def program(
    threads: Threads,
    *,
    setup: Callback = None,
    invariant: Callback = None,
    check: Callback = None,
    show: Callback = None,
    granularity: Granularity = "instruction",
    step: Modules = (),
    max_steps: MaxSteps = 2000,
    step_timeout: StepTimeout = 2.0,
) -> Program:
    """What the lab runs: ``threads`` (each called with the shared state ``setup()`` makes
    fresh for every run, or with nothing without ``setup``), the ``invariant`` that must hold
    after every step, the ``check`` that must hold at the end, the values to ``show``
    (``state -> {name: value}``), one ``"instruction"`` or one ``"line"`` per step, and the
    modules to ``step`` besides the threads' own files (``"helpers.sketches.semaphore"``)."""
    return Program(
        _threads(threads, "threads"),
        setup,
        invariant,
        check,
        show,
        granularity,
        tuple(step),
        max_steps,
        step_timeout,
    )


@validated
def prove(
    threads: Threads,
    *,
    setup: Callback = None,
    invariant: Callback = None,
    check: Callback = None,
    show: Callback = None,
    failing: Annotated[Failing | None, Fn(optional=True)] = None,
    granularity: Granularity = "instruction",
    step: Modules = (),
    preemptions: Preemptions = 2,
    max_runs: Annotated[int, Int(1, 10_000_000)] = MAX_RUNS,
    max_steps: MaxSteps = 2000,
    progress: Progress = None,
) -> Verdict:
    """Run the threads under every interleaving within the bound and say whether anything
    failed: a broken ``invariant`` or ``check``, a deadlock, an exception, or whatever
    ``failing(outcome)`` says. The verdict is truthy when nothing did; otherwise it holds
    the shortest failing schedule, as a table (``verdict.counterexample.table()``)."""
    built = program(
        threads,
        setup=setup,
        invariant=invariant,
        check=check,
        show=show,
        granularity=granularity,
        step=step,
        max_steps=max_steps,
    )
    return explore(
        built, failing=failing, preemptions=preemptions, max_runs=max_runs, progress=progress
    )


@validated
def feedback(verdict: Annotated[Verdict, Of(Verdict)], claim: Annotated[str, Of(str)]) -> Feedback:
    """A checker's answer: passed with the proof's size, or failed with the counterexample."""
    if verdict.ok:
        return passed(f"{claim}: {verdict.message}.")
    ce = verdict.counterexample
    assert ce is not None
    return failed(f"{claim} does not hold. {verdict.message}:\n{ce.table()}")


@validated
def require(verdict: Annotated[Verdict, Of(Verdict)], claim: Annotated[str, Of(str)]) -> None:
    """Inside a ``@checker``: raise :class:`~helpers.core.checks.Wrong` with the
    counterexample unless the verdict holds."""
    if not verdict.ok:
        ce = verdict.counterexample
        assert ce is not None
        raise Wrong(f"{claim} does not hold. {verdict.message}:\n{ce.table()}")
