"""Exercise checkers: run a learner's code, answer with specific, friendly feedback.

A checker never raises into the notebook. Write one as a plain function that returns
:func:`passed` or :func:`failed`, or raises :class:`Wrong` with the message to show; decorate
it with :func:`checker` and any exception from the learner's code becomes feedback too::

    @checker
    def check_square(square):
        if square(3) != 9:
            raise Wrong(f"square(3) should be 9, got {square(3)!r}.")
        return passed("square works.")
"""

from __future__ import annotations

import functools
import html
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar

from .domains import Fn, Number, Of, Seconds, Text, validated
from .validate import MAX_TIMEOUT_S

P = ParamSpec("P")
T = TypeVar("T")

#: Text colours for right and wrong, dark enough on white for WCAG AA (4.5:1) at any size:
#: the Okabe-Ito green and vermilion, darkened. Every checker and the lab use them.
PASS_COLOUR = "#00704F"
FAIL_COLOUR = "#B03A00"


@dataclass(frozen=True)
class Feedback:
    """The verdict on an exercise. Truthy when passed, shown as a coloured box in a notebook."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'✔ Correct' if self.ok else '✘ Not yet'}: {self.message}"

    def _repr_html_(self) -> str:
        if self.ok:
            colour, mark, word = PASS_COLOUR, "✔", "Correct"
        else:
            colour, mark, word = FAIL_COLOUR, "✘", "Not yet"
        first, _, rest = self.message.partition("\n")
        # A message may go on with a table (a counterexample schedule): it keeps its columns.
        table = f"<pre style='margin:4px 0 0'>{html.escape(rest)}</pre>" if rest else ""
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<b style='color:{colour}'>{mark} {word}</b>: {html.escape(first)}{table}</div>"
        )


class Wrong(Exception):
    """Raise inside a checker to fail the exercise with this message."""


class CheckTimeout(Exception):
    """The learner's code did not finish in time."""


@validated
def passed(message: Text = "well done.") -> Feedback:
    return Feedback(True, message)


@validated
def failed(message: Text) -> Feedback:
    return Feedback(False, message)


@validated
def checker(check: Annotated[Callable[P, Feedback], Fn()]) -> Callable[P, Feedback]:
    """Turn every exception escaping ``check`` into failing feedback, never into a traceback."""

    @functools.wraps(check)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> Feedback:
        try:
            return check(*args, **kwargs)
        except Wrong as wrong:
            return failed(str(wrong))
        except NotImplementedError:
            return failed(
                "not started yet: replace the `raise NotImplementedError` with your code."
            )
        except CheckTimeout as timeout:
            return failed(str(timeout))
        except Exception as error:
            return failed(f"your code raised {type(error).__name__}: {error}")

    return guarded


@validated
def call_with_timeout(
    fn: Annotated[Callable[..., T], Fn()],
    *args: Any,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 10.0,
    **kwargs: Any,
) -> T:
    """Call ``fn`` in a helper thread and wait at most ``timeout`` seconds for it.

    A learner's deadlock must not freeze the notebook. If the call does not return in time we
    stop waiting and say so, naming every thread it leaves running (the helper thread and any
    thread the learner's code started): Python cannot stop a thread from outside, so they run
    until the learner's code returns, or until the kernel restarts. The notebook's last cell
    names them again.
    """
    before = set(threading.enumerate())
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=target, name="exercise-check", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stuck = sorted(t.name for t in threading.enumerate() if t not in before and t.is_alive())
        raise CheckTimeout(
            f"your code did not finish within {timeout:g} s. Is something waiting forever "
            "(a lock never released, a join or get without a timeout)? Still running: "
            f"{', '.join(stuck)}. Python cannot stop a thread from outside: restart the "
            "kernel (Kernel → Restart) to end them, then run the notebook again."
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@validated
def expect_equal(actual: object, expected: object, what: Text) -> None:
    """Raise :class:`Wrong` with a precise message unless ``actual == expected``."""
    if actual != expected:
        raise Wrong(f"{what} should be {expected!r}, but it is {actual!r}.")


@validated
def expect_callable(obj: object, name: Text) -> Callable[..., Any]:
    """``obj``, typed as the callable it must be (the checker needs no ``assert callable``);
    :class:`Wrong` if it is not one."""
    if not callable(obj):
        raise Wrong(f"{name} should be a function; got {type(obj).__name__}.")
    return obj


@validated
def dict_answer(
    answer: object,
    name: Text,
    template: Annotated[Mapping[str, object], Of(dict)],
    *,
    unset: Text,
    called: Text = "template",
) -> dict[Any, Any]:
    """``answer`` as a dict that keeps every key of ``template`` (the dict the notebook hands
    out, ``called`` so in the message); :class:`Wrong` with ``unset`` while it is None.

    The values are left to the checker: each exercise says differently what a value may be.
    """
    if answer is None:
        raise Wrong(unset)
    if not isinstance(answer, dict):
        raise Wrong(f"{name} should be a dict; got {type(answer).__name__}.")
    missing = [key for key in template if key not in answer]
    if missing:
        raise Wrong(f"keep every key of the {called}; missing: {missing}.")
    return answer


@validated
def reject_mistakes(
    value: Annotated[float, Of((int, float))],  # NaN too: a learner may well answer it
    mistakes: Annotated[Mapping[float, str], Of(dict)],
    rel_tol: Annotated[float, Number(0, 1)] = 1e-9,
) -> None:
    """Raise :class:`Wrong` with what the learner missed if ``value`` is one of the known wrong
    answers ``mistakes`` (equal within ``rel_tol``, as :func:`math.isclose` has it)."""
    for mistake, missed in mistakes.items():
        if math.isclose(value, mistake, rel_tol=rel_tol):
            raise Wrong(missed)
