"""Checkers for notebook 11 (asyncio).

The learner's coroutines run on a fresh event loop in a thread the checker owns (the kernel's
own loop is busy running the notebook), with every wait bounded. Each checker tries schedules
chosen to break answers that only work by luck of timing: waits of different lengths, a
producer that pauses, lookups that take longer than a guess. A loop blocked by a
``threading.Lock`` is freed, so a wrong answer leaves no thread behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from ...core import checks

#: How long one scenario may take before the checker gives up on it (seconds).
PATIENCE_S = 3.0
_LOCK_TYPES = (type(threading.Lock()),)


class _LoopStuck(Exception):
    """The learner's coroutine held its loop's thread; it was freed (or not)."""


def _thread_locks(fn: Callable[..., Any]) -> list[Any]:
    """``threading.Lock`` objects a learner's function can reach (its globals and closure)."""
    found = [v for v in getattr(fn, "__globals__", {}).values() if isinstance(v, _LOCK_TYPES)]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, _LOCK_TYPES):
            found.append(value)
    return found


def _run(
    make: Callable[[], Coroutine[Any, Any, Any]],
    *,
    timeout: float = PATIENCE_S,
    learner: Callable[..., Any] | None = None,
) -> Any:
    """Run ``make()`` on a new loop in a thread of ours, cancelled after ``timeout`` seconds.

    If the loop's thread does not come back (a blocking call in a coroutine), free any
    ``threading.Lock`` the learner's function holds until the thread ends, then raise
    :class:`_LoopStuck`.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        async def bounded() -> Any:
            return await asyncio.wait_for(make(), timeout)

        try:
            outcome["value"] = asyncio.run(bounded())
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="exercise-loop", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if thread.is_alive():
        deadline = time.monotonic() + 10.0
        locks = _thread_locks(learner) if learner is not None else []
        while thread.is_alive() and time.monotonic() < deadline:
            for lock in locks:
                if lock.locked():
                    with contextlib.suppress(RuntimeError):
                        lock.release()
            thread.join(0.01)
        raise _LoopStuck(bool(locks))
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _expect_coroutine_function(fn: object, name: str) -> Callable[..., Any]:
    if fn is None:
        raise checks.Wrong(f"define {name} first (it is still None).")
    function = checks.expect_callable(fn, name)
    if not inspect.iscoroutinefunction(function):
        raise checks.Wrong(f"{name} should be a coroutine function: write `async def {name}(...)`.")
    return function


# --- Exercise 1: the lost deposit ---------------------------------------------------------------


class _Account:
    """The checker's account: ``audit`` waits as long as the scenario says."""

    def __init__(self, delays: dict[int, float]) -> None:
        self.balance = 0
        self.delays = delays
        self.audited: list[int] = []
        self.threads: set[int] = set()

    async def audit(self, amount: int) -> None:
        self.threads.add(threading.get_ident())
        self.audited.append(amount)
        await asyncio.sleep(self.delays.get(amount, 0.0))


#: Enough for 120 deposits one after another (a lock around each whole deposit), in seconds.
_DEPOSIT_PATIENCE_S = 5.0
#: Amounts 1..40; schedules: equal short waits, and long waits that overlap every gap.
_AMOUNTS = list(range(1, 41))
_DEPOSIT_SCENARIOS = {
    "short equal audits": {a: 0.001 for a in _AMOUNTS},
    "long audits, the first ones longest": {a: 0.05 - 0.001 * a for a in _AMOUNTS},
    "audits of mixed lengths": {a: 0.003 * (a % 7) for a in _AMOUNTS},
}


@checks.checker
def check_deposit(deposit: object) -> checks.Feedback:
    """``async def deposit(account, amount)``: add ``amount`` to ``account.balance`` and
    ``await account.audit(amount)`` once; 40 deposits at once must lose nothing."""
    deposit = _expect_coroutine_function(deposit, "deposit")
    expected = sum(_AMOUNTS)
    accounts = {name: _Account(delays) for name, delays in _DEPOSIT_SCENARIOS.items()}

    async def scenarios() -> None:
        # One loop for all: an asyncio.Lock belongs to the loop that first waits on it.
        for account in accounts.values():
            await asyncio.gather(*(deposit(account, amount) for amount in _AMOUNTS))

    try:
        _run(scenarios, timeout=_DEPOSIT_PATIENCE_S, learner=deposit)
    except _LoopStuck as stuck:
        freed = stuck.args[0]
        raise checks.Wrong(
            "the event loop stopped: a deposit blocked the loop's only thread while another "
            "was suspended at its await. "
            + (
                "A threading.Lock does that: the second task blocks the whole thread in "
                "acquire(), so the first can never resume to release it. Use asyncio.Lock "
                "with `async with lock:`."
                if freed
                else "Is there a blocking call (time.sleep, a threading lock) in it?"
            )
        ) from None
    except (TimeoutError, asyncio.TimeoutError):
        raise checks.Wrong(
            f"120 deposits did not finish within {_DEPOSIT_PATIENCE_S:g} s: is a deposit waiting "
            "for something that never comes?"
        ) from None
    except RuntimeError as error:
        if "different event loop" not in str(error):
            raise
        raise checks.Wrong(
            "your asyncio.Lock was already used on another event loop (the notebook's), and a "
            "lock belongs to the loop that first waited on it. The checker runs the deposits "
            "on a loop of its own: create the lock again (re-run its cell), then check."
        ) from None
    for name, account in accounts.items():
        if sorted(account.audited) != _AMOUNTS:
            raise checks.Wrong(
                "each deposit must call `await account.audit(amount)` exactly once; the audits "
                f"were for {sorted(account.audited)[:8]}…"
            )
        if account.balance != expected:
            lost = expected - account.balance
            raise checks.Wrong(
                f"with {name}, the balance is {account.balance}, not {expected}: {lost} was "
                "lost. A deposit read the balance, was suspended at `await`, and wrote back a "
                "stale value. Keep no await between the read and the write, or hold an "
                "asyncio.Lock across both."
            )
        if len(account.threads) != 1:
            raise checks.Wrong("the deposits ran on several threads; keep them on the event loop.")
    return checks.passed(
        f"every scenario ends with {expected}: no await sits between a read and its write "
        "(or a lock makes them one step)."
    )


# --- Exercise 2: unblock the loop ---------------------------------------------------------------


@dataclass
class _Lookups:
    """The checker's blocking ``lookup``: it returns only once all of them are in flight."""

    parties: int
    after_s: float
    barrier: threading.Barrier = field(init=False)
    calls: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    exits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.parties, timeout=1.0)

    def lookup(self, name: str) -> int:
        with self.lock:
            self.calls.append(name)
        try:
            self.barrier.wait()  # raises BrokenBarrierError unless all are waiting at once
            time.sleep(self.after_s)
            with self.lock:
                self.finished.append(name)
            return len(name)
        finally:
            with self.lock:
                self.exits += 1


_NAMES = ["ada", "grace", "linus", "guido"]


@checks.checker
def check_lookup_all(lookup_all: object) -> checks.Feedback:
    """``async def lookup_all(lookup, names)``: ``[lookup(n) for n in names]``, with the
    blocking lookups run at the same time, off the loop's thread, in order."""
    lookup_all = _expect_coroutine_function(lookup_all, "lookup_all")
    expected = [len(n) for n in _NAMES]
    for after_s in (0.01, 1.0):  # quick lookups, then slower than any fixed guess should be
        lookups = _Lookups(len(_NAMES), after_s)
        ticks: list[float] = []

        async def scenario(lookups: _Lookups = lookups, ticks: list[float] = ticks) -> Any:
            async def ticker() -> None:
                while True:
                    ticks.append(time.perf_counter())
                    await asyncio.sleep(0.005)

            ticking = asyncio.create_task(ticker())
            try:
                returned = await lookup_all(lookups.lookup, list(_NAMES))
                # What it returned at that moment: a list that threads fill in later is a
                # guess that happened to come true.
                return list(returned) if isinstance(returned, list) else returned
            finally:
                ticking.cancel()

        try:
            result = _run(scenario, timeout=PATIENCE_S, learner=lookup_all)
        except threading.BrokenBarrierError:
            raise checks.Wrong(
                "the lookups ran one at a time, not all at once: each blocking call held the "
                "loop (or was awaited before the next one started). Start them all with "
                "asyncio.to_thread(lookup, name) and await them together with gather."
            ) from None
        except _LoopStuck:
            raise checks.Wrong(
                "the event loop stayed blocked: run each lookup in a thread."
            ) from None
        finally:
            lookups.barrier.abort()  # frees any lookup still waiting at the barrier
            deadline = time.monotonic() + after_s + 2.0
            while lookups.exits < len(lookups.calls) and time.monotonic() < deadline:
                time.sleep(0.01)  # let lookups still sleeping finish before the next scenario
        if not isinstance(result, list):
            raise checks.Wrong(f"return a list of results; got {type(result).__name__}.")
        if result != expected:
            if len(lookups.finished) < len(_NAMES) or None in result:
                raise checks.Wrong(
                    f"lookup_all returned {result} before every lookup had finished (they took "
                    f"{after_s:g} s here). Waiting a fixed time is a guess; await the lookups "
                    "themselves."
                )
            raise checks.Wrong(
                f"lookup_all should return {expected}, in the order of names; got {result}."
            )
        if sorted(lookups.calls) != sorted(_NAMES):
            raise checks.Wrong(f"call lookup once per name; it was called for {lookups.calls}.")
    return checks.passed("all four lookups ran at once, in threads, and the loop kept running.")


# --- Exercise 3: a pipeline that stops cleanly ----------------------------------------------------


class _Source:
    """The checker's producer: items with pauses, one longer than any consumer's work."""

    def __init__(self, items: int, long_pause_s: float) -> None:
        self.items = items
        self.long_pause_s = long_pause_s

    async def __aiter__(self) -> AsyncIterator[int]:  # type: ignore[override]
        for i in range(self.items):
            if i == 3:
                await asyncio.sleep(self.long_pause_s)  # the queue runs empty here
            elif i % 4 == 0:
                await asyncio.sleep(0.002)
            yield i


@dataclass
class _Handler:
    handled: list[int] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0

    async def handle(self, item: int) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.003 + 0.002 * (item % 3))
            self.handled.append(item)
        finally:
            self.in_flight -= 1


@checks.checker
def check_pipeline(pipeline: object) -> checks.Feedback:
    """``async def pipeline(source, handle, consumers)``: every item of the async iterator
    ``source`` handled once by ``consumers`` concurrent consumers; every consumer stopped."""
    pipeline = _expect_coroutine_function(pipeline, "pipeline")
    items, consumers = 20, 3
    for long_pause_s in (0.0, 0.6):
        handler = _Handler()
        source = _Source(items, long_pause_s)

        async def scenario(handler: _Handler = handler, source: _Source = source) -> int:
            before = asyncio.all_tasks()
            await pipeline(source, handler.handle, consumers)
            await asyncio.sleep(0)  # a consumer that was just cancelled finishes here
            return sum(1 for task in asyncio.all_tasks() - before if not task.done())

        try:
            still_running = _run(scenario, timeout=PATIENCE_S, learner=pipeline)
        except (TimeoutError, asyncio.TimeoutError):
            raise checks.Wrong(
                f"pipeline was still running after {PATIENCE_S:g} s, with "
                f"{len(handler.handled)} of {items} items handled: some consumer never learns "
                "that the producer is done. Put one sentinel per consumer (or let each "
                "consumer put the sentinel back)."
            ) from None
        except _LoopStuck:
            raise checks.Wrong("the event loop stayed blocked: is there a blocking call?") from None
        pause = f" (the producer paused {long_pause_s:g} s)" if long_pause_s else ""
        if sorted(handler.handled) != list(range(items)):
            missing = sorted(set(range(items)) - set(handler.handled))
            raise checks.Wrong(
                f"{len(missing)} of {items} items were never handled{pause}: the consumers "
                "stopped before the producer was done. An empty queue, or a get() that timed "
                "out, only means nothing has arrived yet; stop on a sentinel."
                if missing
                else f"some items were handled twice: {handler.handled}."
            )
        if handler.peak < 2:
            raise checks.Wrong(
                f"the items were handled one at a time; start {consumers} consumer tasks."
            )
        if handler.peak > consumers:
            raise checks.Wrong(
                f"{handler.peak} items were handled at once with {consumers} consumers: take "
                "each item from the queue in a consumer, one at a time."
            )
        if still_running:
            raise checks.Wrong(
                f"{still_running} task(s) were still running after pipeline returned: wait for "
                "every consumer to stop (or cancel them) before returning."
            )
    return checks.passed(
        f"all {items} items, at most {consumers} at a time, through a pause in the producer, and "
        "every consumer stopped."
    )
