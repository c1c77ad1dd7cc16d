"""Nothing is left behind: not after a run, an error, nor an interrupted search."""

from __future__ import annotations

import gc
import sys
import threading

import pytest
from programs import Collecting, Counter, collect, increment_locked  # tests/lab/

from helpers.lab import LabError, Run, explore, patched_now, program, prove
from helpers.lab.primitives import REAL_MONOTONIC


def three(**options):  # type: ignore[no-untyped-def]
    return program(
        {"A": increment_locked, "B": increment_locked, "C": increment_locked},
        setup=Counter,
        **options,
    )


def test_a_search_interrupted_from_its_progress_callback_leaves_nothing() -> None:
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done >= 50:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        explore(three(), progress=progress)
    assert calls == [50]  # it was interrupted halfway, not at the end
    assert not patched_now()
    assert threading.Lock is not None and type(threading.Lock()).__module__ in (
        "_thread",
        "builtins",
    )


def test_a_search_interrupted_from_an_invariant_in_a_thread_leaves_nothing() -> None:
    seen = []

    def invariant(c: Counter) -> bool:
        seen.append(1)
        if len(seen) == 20:
            raise KeyboardInterrupt  # raised in a controlled thread: must reach the caller
        return True

    with pytest.raises(KeyboardInterrupt):
        explore(three(invariant=invariant))
    assert not patched_now()


def test_a_run_left_in_the_middle_leaves_nothing() -> None:
    with Run(three(granularity="line")) as run:
        run.step("A")
        run.step("B")  # B blocks on the lock A holds
        assert patched_now()
    assert not patched_now()


def test_an_error_in_setup_leaves_nothing() -> None:
    def broken_setup() -> Counter:
        raise ZeroDivisionError("setup")

    with pytest.raises(ZeroDivisionError):
        prove({"A": increment_locked}, setup=broken_setup)
    assert not patched_now()


def test_an_invariant_that_would_wait_for_a_lock_is_reported_not_hung() -> None:
    def locking_invariant(c: Counter) -> bool:
        with c.lock:
            return True

    verdict = prove(
        {"A": increment_locked, "B": increment_locked},
        setup=Counter,
        invariant=locking_invariant,
        granularity="line",
    )
    assert not verdict.ok
    assert "LabError" in verdict.counterexample.outcome.message


def test_only_one_run_at_a_time() -> None:
    with Run(three()) as run, pytest.raises(LabError, match="one at a time"):
        Run(three()).open()
    assert run  # the first is closed by its with block


class Gate:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.opened = 0


#: What each run's waiter found as the exception being handled when it started.
HANDLED_AT_START: list[object] = []


def wait_for_ever(g: Gate) -> None:
    HANDLED_AT_START.append(sys.exc_info()[1])
    with g.cond:  # abandoned in wait(): the Abandon unwinds through this with's exit
        g.cond.wait()


def open_twice(g: Gate) -> None:
    g.opened += 1
    g.opened += 1


@pytest.mark.parametrize("granularity", ["line", "instruction"])
def test_an_abandoned_thread_leaves_no_handled_exception_to_the_next_run(granularity) -> None:  # type: ignore[no-untyped-def]
    """Every run deadlocks and is abandoned with its waiter inside a with block. Had the
    lab raised its Abandon again as that with's handler started, the first one would stay
    the carrier's handled exception (``sys.exc_info()``) for good, and each later run's
    exceptions would chain to all the earlier ones."""
    HANDLED_AT_START.clear()
    verdict = explore(
        program({"W": wait_for_ever, "O": open_twice}, setup=Gate, granularity=granularity)
    )
    assert not verdict.ok and verdict.runs > 2
    assert len(HANDLED_AT_START) == verdict.runs + 1  # + the replay of the counterexample
    assert [e for e in HANDLED_AT_START if e is not None] == []


def wait_in_a_bare_except(g: Gate) -> None:
    try:
        with g.cond:
            g.cond.wait()
    except:  # noqa: E722  a learner's bare except also catches the lab's Abandon
        pass


def test_a_thread_that_swallows_the_abandon_does_not_break_the_next_run() -> None:
    """Both threads wait for ever, and each swallows the lab's Abandon and returns: a run
    abandoned long ago must not take part in the next one (it once made the next run fail
    with "thread B did not reach its first step")."""
    verdict = explore(program({"A": wait_in_a_bare_except, "B": wait_in_a_bare_except}, setup=Gate))
    assert verdict.exhausted and verdict.outcomes == {"deadlock": verdict.runs}
    assert verdict.runs > 2


def spin_past_the_step_bound() -> None:
    """Longer than the runs' step bound (0.2 s) below, so the run gives up on the step."""
    started = REAL_MONOTONIC()
    while REAL_MONOTONIC() - started < 0.6:
        pass


FINALIZER_ON_310 = pytest.mark.skipif(
    sys.version_info[:2] == (3, 10),
    reason="on 3.10 (old code and new alike) the collector later crashes in "
    "AttributeError_traverse after this test, under pytest's assertion rewriting only; "
    "not understood yet",
)


@pytest.mark.parametrize(
    "callback", ["gc-callback", pytest.param("weakref-finalizer", marks=FINALIZER_ON_310)]
)
def test_a_thread_abandoned_inside_a_callback_from_c_is_stopped_in_its_own_code(
    monkeypatch: pytest.MonkeyPatch, callback: str
) -> None:
    """The collector and the weakref machinery call back into Python on whatever thread
    they run, a lab thread included. An Abandon raised inside such a callback cannot reach the
    thread: it is reported as unraisable and dropped. The lab must raise it at the thread's
    own next line instead (hypothesis's gc callback once failed this suite that way, and a
    ``WeakSet``'s removal the free-threaded leg)."""
    state = Collecting(None if callback == "gc-callback" else spin_past_the_step_bound)
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def slow_gc_callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.get_ident() == state.carrier:
            spin_past_the_step_bound()

    if callback == "gc-callback":
        gc.callbacks.append(slow_gc_callback)  # the collector holds this very list
    try:
        with (
            Run(program({"A": collect}, setup=lambda: state, step_timeout=0.2)) as run,
            pytest.raises(LabError, match="thread A did not reach its next step"),
        ):
            for _ in range(100):
                run.step("A")
    finally:
        if slow_gc_callback in gc.callbacks:
            gc.callbacks.remove(slow_gc_callback)
    assert unraisable == []
    assert state.carrier is not None  # A was abandoned before its last line
    assert not patched_now()
