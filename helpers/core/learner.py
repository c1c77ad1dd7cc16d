"""Run a learner's code in threads the checker owns, with every wait bounded.

A checker of a concurrency exercise must survive a wrong answer: a wait that never ends, a
notify that never comes. The learner's code runs in daemon threads started here; when it gets
stuck, the checker frees it (makes the state true and notifies everyone, or releases extra
permits) and says what went wrong, so a wrong answer never leaves a thread behind.
Child-safe: standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from .checks import Wrong, reject_mistakes
from .domains import Fn, Items, Number, Of, Seconds, Text, Timeout, validated

#: How long a checker waits for learner code that should answer at once (seconds). A correct
#: answer takes milliseconds; a wrong one costs the learner this long, at most, to learn it.
PATIENCE_S = 1.5


@dataclass
class ThreadRun:
    """What a group of learner threads returned or raised; which ones are still running."""

    results: dict[int, Any] = field(default_factory=dict)
    errors: dict[int, BaseException] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)

    def alive(self) -> list[int]:
        return [i for i, t in enumerate(self.threads) if t.is_alive()]

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for all; True if all finished."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not self.alive()

    def raise_first_error(self) -> None:
        """Re-raise the learner's first exception (NotImplementedError means: not started)."""
        for i in sorted(self.errors):
            raise self.errors[i]


@validated
def start_threads(
    targets: Annotated[Sequence[Callable[[], Any]], Items(Fn())],
    *,
    before_next: Annotated[Callable[[int, ThreadRun], None] | None, Fn(optional=True)] = None,
) -> ThreadRun:
    """Start one daemon thread per target; ``before_next(i, run)`` runs after thread ``i``
    started (e.g. to wait until it is queued on a condition)."""
    run = ThreadRun()

    def wrap(i: int, target: Callable[[], Any]) -> None:
        try:
            run.results[i] = target()
        except BaseException as error:
            run.errors[i] = error

    for i, target in enumerate(targets):
        thread = threading.Thread(target=wrap, args=(i, target), name=f"exercise-{i}", daemon=True)
        run.threads.append(thread)
        thread.start()
        if before_next is not None:
            before_next(i, run)
    return run


@validated
def rescue(
    run: Annotated[ThreadRun, Of(ThreadRun)],
    cond: Any,
    unstick: Annotated[Callable[[], None], Fn()],
    timeout: Timeout = 3.0,
) -> bool:
    """Wake learner threads stuck on ``cond``: make their state true and notify everyone,
    again and again, until they finish. True if they all did."""
    deadline = time.monotonic() + timeout
    while run.alive() and time.monotonic() < deadline:
        with cond:
            unstick()
            cond.notify_all()
        run.join(0.02)
    return not run.alive()


@validated
def call_bounded(
    fn: Annotated[Callable[..., Any], Fn()],
    *args: Any,
    timeout: Annotated[float, Seconds(60)],
    cond: Any,
    unstick: Annotated[Callable[[], None], Fn()] = lambda: None,
    stuck: Text = "",
) -> Any:
    """Call learner code on a thread of its own and return its result (or raise its error).

    If it has not returned after ``timeout`` seconds it is rescued (see :func:`rescue`) and the
    learner is told, with ``stuck`` as the explanation.
    """
    run = start_threads([lambda: fn(*args)])
    if not run.join(timeout):
        rescue(run, cond, unstick)
        raise Wrong(
            f"your code was still waiting after {timeout:g} s. "
            + (stuck or "Is a wait missing its timeout, or a notify missing?")
        )
    for error in run.errors.values():
        hint_if_lock_not_held(error)
    run.raise_first_error()
    return run.results[0]


def hint_if_lock_not_held(error: BaseException) -> None:
    if isinstance(error, RuntimeError) and "un-acquired" in str(error):
        raise Wrong(
            "wait() and notify() must be called while holding the condition's lock: put them "
            "inside `with cond:` (here: `with turns.cond:` or `with self.cond:`)."
        )


@validated
def number_answer(
    answer: object,
    name: Text,
    mistakes: Annotated[Mapping[float, str], Of(dict)] | None = None,
    rel_tol: Annotated[float, Number(0, 1)] = 1e-9,
) -> float:
    """``answer`` as a float; :class:`Wrong` if it is not a number, or if it is one of the
    known wrong numbers in ``mistakes`` (with what that number missed)."""
    if answer is None:
        raise Wrong(f"set {name} to a number first (it is still None).")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise Wrong(f"{name} should be a number; got {type(answer).__name__} {answer!r}.")
    if mistakes:
        reject_mistakes(answer, mistakes, rel_tol)
    return float(answer)
