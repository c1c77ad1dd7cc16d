"""Checkers for notebook 06 (semaphores).

The learner's code runs in threads the checker owns; every wait is bounded, and a thread
stuck waiting for a permit is freed by the checker (it releases extra permits), so a wrong
answer never leaves a thread behind.

Exercise 3's checker proves its property with the interleaving lab: three threads share two
permits of the learner's ``acquire``, and under every interleaving (within the lab's preemption
bound) never more than two are inside, and no permit is lost or made up. A race that real
threads hit once in thousands of runs is found on every check, with its schedule as a table.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from ...core import checks, learner
from ...core.domains import Fn, Int, Seconds, validated
from ...core.lifecycle import wait_until, waiting_count
from ...lab import Verdict, answer_modules, locks_from_outside, prove, support
from .classes import Permits

# --- Exercise 1: the worker's critical section ------------------------------------------------


class FetchProbe:
    """A pretend download that records how many calls run at the same time (``peak``: the
    most calls in flight at one moment, not how many threads ever called).

    Each call stays in flight (at most ``gate`` seconds) until ``limit`` calls are. A checker
    that owns the semaphore (:meth:`_watch`) holds calls longer: until every other job is done
    or queued on that semaphore, or one call too many arrives. So a correct worker really
    reaches the limit (a serial one cannot hide), and a worker that lets one call too many in
    (its own ``Semaphore(limit + 1)``, say) is seen doing it, however slow the machine: the
    extra call finds the others still in flight, because they wait for it.
    """

    @validated
    def __init__(
        self,
        limit: Permits,
        gate: Annotated[float, Seconds(10)] = 0.2,
        fail_on: Annotated[int | None, Int(0, optional=True)] = None,
    ):
        self.limit = limit
        self.gate = gate
        self.fail_on = fail_on
        self.active = 0
        self.peak = 0
        self.calls = 0
        self.done = 0
        self._cond = threading.Condition()
        self._watched: tuple[Any, int] | None = None

    def _watch(self, sem: Any, jobs: int) -> None:
        """Hold each call until the other ``jobs`` are done, in flight or queued on ``sem``."""
        self._watched = (sem, jobs)

    def _settled(self) -> bool:
        if self.active > self.limit:
            return True  # one too many: seen, no need to wait longer
        if self._watched is None:
            return self.active >= self.limit
        sem, jobs = self._watched
        return self.done + self.active + waiting_count(sem) >= jobs

    def __call__(self, i: int) -> int:
        with self._cond:
            self.active += 1
            self.calls += 1
            self.peak = max(self.peak, self.active)
            self._cond.notify_all()
            deadline = time.monotonic() + self.gate
            # Polled: a thread that starts waiting on the semaphore does not notify us.
            while not self._settled() and time.monotonic() < deadline:
                self._cond.wait(0.005)
        time.sleep(0.005)
        with self._cond:
            self.active -= 1
            self.done += 1
            self._cond.notify_all()
        if i == self.fail_on:
            raise ConnectionError(f"download {i} failed")
        return 10 * i


def _run_workers(
    worker: Callable[..., Any], sem: Any, fetch: FetchProbe, jobs: int
) -> tuple[list[Any], learner.ThreadRun, bool]:
    """Run ``worker(sem, fetch, i, results)`` for every job on its own thread."""
    results: list[Any] = [None] * jobs
    fetch._watch(sem, jobs)
    run = learner.start_threads([(lambda i=i: worker(sem, fetch, i, results)) for i in range(jobs)])
    finished = run.join(jobs * fetch.gate + learner.PATIENCE_S)
    if not finished:  # stuck waiting for permits nobody gave back: hand out spares
        deadline = time.monotonic() + 3.0
        while run.alive() and time.monotonic() < deadline:
            sem.release(len(run.alive()))
            run.join(0.05)
    return results, run, finished


@checks.checker
def check_worker(worker: object) -> checks.Feedback:
    """``worker(sem, fetch, i, results)``: at most ``k`` downloads at a time, results stored."""
    worker = checks.expect_callable(worker, "worker")
    k, jobs = 2, 6
    sem = threading.Semaphore(k)
    fetch = FetchProbe(k)
    results, run, finished = _run_workers(worker, sem, fetch, jobs)
    run.raise_first_error()
    if not finished:
        raise checks.Wrong(
            "some workers waited forever for a permit: a permit was taken and never given "
            "back. `with sem:` gives it back when the block ends."
        )
    if fetch.calls != jobs:
        raise checks.Wrong(
            f"fetch should be called once per job ({jobs} calls); it was called {fetch.calls} "
            "times."
        )
    expected = [10 * i for i in range(jobs)]
    if results != expected:
        raise checks.Wrong(
            f"results should be {expected}; got {results}. Store results[i] = fetch(i)."
        )
    if fetch.peak > k:
        raise checks.Wrong(
            f"{fetch.peak} downloads ran at the same time, but the semaphore allows {k}: "
            "call fetch *inside* `with sem:`, with the semaphore you are given."
        )
    if fetch.peak < k:
        raise checks.Wrong(
            f"only one download ran at a time, but the semaphore allows {k}. Did you use a "
            "Lock, or hold something else while downloading?"
        )
    return _check_worker_gives_back_on_error(worker)


def _check_worker_gives_back_on_error(worker: Callable[..., Any]) -> checks.Feedback:
    k, jobs = 2, 4
    sem = threading.Semaphore(k)
    fetch = FetchProbe(k, gate=0.05, fail_on=1)
    _, _, finished = _run_workers(worker, sem, fetch, jobs)
    spare = 0
    while spare <= k and sem.acquire(blocking=False):
        spare += 1
    if not finished or spare < k:
        raise checks.Wrong(
            "when fetch raised an exception, your worker kept its permit: the semaphore now "
            "has fewer permits for good. Use `with sem:` (or try/finally) to give it back."
        )
    if spare > k:
        raise checks.Wrong(
            f"after the downloads the semaphore had more than its {k} permits: some permit was "
            "given back twice. A plain Semaphore accepts that silently (a BoundedSemaphore "
            "would raise ValueError); `with sem:` releases exactly once."
        )
    return checks.passed(
        f"at most {k} downloads at a time, exactly {k} at the busiest moment, and the permit "
        "comes back even when a download fails."
    )


# --- Exercise 2: throughput of a limited resource ---------------------------------------------


#: The wrong throughputs learners give (requests per second), each with what it missed.
_THROUGHPUT_MISTAKES = {
    8 / 0.050: "8 threads, but only 3 of them can hold a connection at any moment.",
    1 / 0.050: "that is one connection's rate; 3 work side by side.",
    3 / 50: "that is per millisecond; the question asks per second.",
}


@checks.checker
def check_throughput(throughput: object) -> checks.Feedback:
    """8 threads; each request holds a connection 50 ms; the database allows 3 connections."""
    value = learner.number_answer(throughput, "throughput", _THROUGHPUT_MISTAKES, rel_tol=0.02)
    expected = 3 / 0.050
    if math.isclose(value, expected, rel_tol=0.02):
        return checks.passed(
            "60 requests/s: 3 connections, each finishing 20 requests a second. The other 5 "
            "threads only wait; more threads would not help, more connections would."
        )
    raise checks.Wrong(
        f"{value:g} is not it. How many requests does one connection finish per second, and "
        "how many connections work at once?"
    )


# --- Exercise 3: acquire, built on a condition ---------------------------------------------------


class CountingState:
    """A semaphore's insides for exercise 3: a counter and the condition that guards it."""

    @validated
    def __init__(self, value: Annotated[int, Int(0)]):
        self.value = value
        self.cond = threading.Condition(threading.Lock())

    def release(self) -> None:
        with self.cond:
            self.value += 1
            self.cond.notify()

    def __repr__(self) -> str:
        return f"CountingState(value={self.value})"


def _call(acquire: Callable[..., Any], state: CountingState, timeout: float) -> Any:
    def one_more() -> None:
        state.value += 1

    return learner.call_bounded(
        acquire,
        state,
        timeout,
        timeout=timeout + learner.PATIENCE_S,
        cond=state.cond,
        unstick=one_more,
        stuck="acquire(sem, timeout) must give up when the time runs out: pass the timeout "
        "to wait_for() (or wait()).",
    )


@checks.checker
def check_acquire(acquire: object) -> checks.Feedback:
    """``acquire(sem, timeout)``: take one permit from a :class:`CountingState`, or time out."""
    acquire = checks.expect_callable(acquire, "acquire")
    state = CountingState(1)
    got = _call(acquire, state, 0.5)
    if got is not True or state.value != 0:
        raise checks.Wrong(
            f"with one permit free, acquire should take it (value 1 → 0) and return True; "
            f"it returned {got!r} and left value={state.value}."
        )
    got = _call(acquire, state, 0.05)
    if got is not False or state.value != 0:
        raise checks.Wrong(
            f"with no permit free, acquire(sem, 0.05) should give up and return False, leaving "
            f"value at 0; it returned {got!r}, value={state.value}."
        )
    _check_wakes_on_release(acquire)
    _check_rechecks_after_waking(acquire)
    if not support().ok:  # no lab on this Python: real threads under load, a weaker check
        return _check_under_load(acquire)
    return _check_every_interleaving(acquire)


def _check_wakes_on_release(acquire: Callable[..., Any]) -> None:
    state = CountingState(0)
    run = learner.start_threads([lambda: acquire(state, 2.0)])
    wait_until(lambda: waiting_count(state.cond) == 1 or bool(run.errors), learner.PATIENCE_S)
    state.release()
    if not run.join(2.0 + learner.PATIENCE_S):
        learner.rescue(run, state.cond, lambda: setattr(state, "value", state.value + 1))
    for error in run.errors.values():
        learner.hint_if_lock_not_held(error)
    run.raise_first_error()
    if run.results.get(0) is not True or state.value != 0:
        raise checks.Wrong(
            "a thread waiting in acquire should take the permit that release() gives back; "
            f"it returned {run.results.get(0)!r} and value is {state.value}."
        )


def _check_rechecks_after_waking(acquire: Callable[..., Any]) -> None:
    """Two threads wait; one permit appears and *both* are woken. Only one may take it."""
    state = CountingState(0)
    run = learner.start_threads([lambda: acquire(state, 0.5)] * 2)
    wait_until(lambda: waiting_count(state.cond) == 2 or bool(run.errors), learner.PATIENCE_S)
    with state.cond:
        state.value += 1
        state.cond.notify_all()
    if not run.join(0.5 + learner.PATIENCE_S):
        learner.rescue(run, state.cond, lambda: setattr(state, "value", state.value + 2))
    run.raise_first_error()
    if state.value < 0:
        raise checks.Wrong(
            "two waiting threads were woken for one permit and both took it: the counter went "
            "to -1. After waking, check the counter again: `while` or `wait_for`, not `if`."
        )
    if sorted(run.results.values(), key=str) != [False, True]:
        raise checks.Wrong(
            "two threads waited for one permit: exactly one should get it (True) and the "
            f"other time out (False); they returned {list(run.results.values())}."
        )


def _check_under_load(acquire: Callable[..., Any]) -> checks.Feedback:
    permits, threads, cycles = 2, 6, 30
    state = CountingState(permits)
    holders = [0, 0]  # [now, most ever]
    count_lock = threading.Lock()

    def cycle() -> bool:
        for _ in range(cycles):
            if acquire(state, 2.0) is not True:
                return False
            with count_lock:
                holders[0] += 1
                holders[1] = max(holders)
            time.sleep(0)
            with count_lock:
                holders[0] -= 1
            state.release()
        return True

    run = learner.start_threads([cycle] * threads)
    if not run.join(10.0):
        learner.rescue(run, state.cond, lambda: setattr(state, "value", state.value + threads))
    run.raise_first_error()
    if not all(run.results.values()) or state.value != permits:
        raise checks.Wrong(
            f"under load ({threads} threads x {cycles} acquire/release), an acquire failed or "
            f"permits went missing: value ended at {state.value}, not {permits}."
        )
    if holders[1] > permits:
        raise checks.Wrong(f"{holders[1]} threads held a permit at once; there are only {permits}.")
    return checks.passed(
        f"{threads * cycles} acquire/release pairs by {threads} threads: never more than "
        f"{permits} holders, no permit lost, and timeouts reported as False."
    )


# --- Exercise 3, proven: every interleaving of three threads over two permits ----------------

#: Permits and threads of the proof: one thread more than there are permits. (Three threads
#: over two permits take the search some 20 s; two over one find the same races in 1 s.)
PROOF_PERMITS = 1
PROOF_THREADS = ("A", "B")


class ParkingLot(CountingState):
    """Exercise 3's semaphore state, and ``inside``: how many threads hold a permit now."""

    def __init__(self) -> None:
        super().__init__(PROOF_PERMITS)
        self.inside = 0
        self.most_inside = 0


def _park(lot: ParkingLot, acquire: Callable[..., Any]) -> None:
    """What each thread of the proof runs: take a permit (or time out), use it, give it back."""
    if acquire(lot, 1.0) is True:
        lot.inside += 1
        lot.most_inside = max(lot.most_inside, lot.inside)
        lot.inside -= 1
        lot.release()


def _show_lot(lot: ParkingLot) -> dict[str, int]:
    return {"value": lot.value, "inside": lot.inside}


@validated
def prove_acquire(acquire: Annotated[Callable[..., Any], Fn()]) -> Verdict:
    """Three threads, two permits, the learner's ``acquire``: every interleaving (one line per
    step, at most two preemptions). A wait with a timeout may also time out in the search: a
    thread whose ``acquire`` returned False just does not go in."""
    return prove(
        {name: functools.partial(_park, acquire=acquire) for name in PROOF_THREADS},
        setup=ParkingLot,
        invariant=lambda lot: lot.inside <= PROOF_PERMITS and lot.value >= 0,
        check=lambda lot: lot.value == PROOF_PERMITS,
        show=_show_lot,
        granularity="line",
        step=answer_modules(acquire),
        preemptions=2,
    )


def _what_the_schedule_shows(verdict: Verdict) -> str:
    ce = verdict.counterexample
    assert ce is not None
    outcome, lot = ce.outcome, ce.outcome.state
    if outcome.kind == "exception":
        return f"a thread raised an exception: {outcome.message}."
    if outcome.kind == "deadlock":
        return "the threads waited for each other forever (is the condition's lock released?)."
    if isinstance(lot, ParkingLot) and (lot.inside > PROOF_PERMITS or lot.value < 0):
        seen = (
            f"{lot.inside} threads held a permit at once"
            if lot.inside > PROOF_PERMITS
            else f"the counter went to {lot.value}"
        )
        return (
            f"{seen}, with {PROOF_PERMITS} permit to share: both threads saw a free permit "
            "and both took it. Checking the counter and taking from it must be one step for "
            "every other thread: do both while holding sem.cond."
        )
    if isinstance(lot, ParkingLot) and lot.value != PROOF_PERMITS:
        return (
            f"after every thread gave its permit back, value is {lot.value}, not "
            f"{PROOF_PERMITS}: a permit was lost or made up (does a timed-out acquire take one?)."
        )
    return outcome.message + "."


def _check_every_interleaving(acquire: Callable[..., Any]) -> checks.Feedback:
    if locks_from_outside(acquire):
        raise checks.Wrong(
            "your acquire takes a lock made outside it, in a cell: the checker cannot step a "
            "wait for that one. Use sem.cond, the condition that comes with the semaphore."
        )
    verdict = prove_acquire(acquire)
    if verdict.ok:
        return checks.passed(
            f"{len(PROOF_THREADS)} threads sharing {PROOF_PERMITS} permit: never more than "
            f"{PROOF_PERMITS} inside, never a negative count, no permit lost or made up, under "
            f"every schedule: {verdict.message}."
        )
    assert verdict.counterexample is not None
    raise checks.Wrong(
        f"{_what_the_schedule_shows(verdict)} The shortest schedule that shows it "
        f"({verdict.message}):\n{verdict.counterexample.table()}"
    )
