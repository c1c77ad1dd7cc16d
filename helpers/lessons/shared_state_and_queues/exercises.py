"""Checkers for notebook 03 (shared state and queues).

Exercise 4's checker proves its property with the interleaving lab: every interleaving of two
threads, one instruction per step, within a bound of two preemptions. No timing is involved,
so a racy answer fails every time, with the schedule that breaks it.
"""

from __future__ import annotations

import functools
import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from ...core import checks, learner
from ...core.domains import Fn, validated
from ...core.lifecycle import Stopped, stop
from ...lab import Verdict, answer_modules, judge_answer, prove
from .connections import Pool, show_pool

# ----------------------------------------------------------------------------- exercise 1

#: The operations of exercise 1, each run by many threads on shared objects.
OPERATIONS: dict[str, str] = {
    "a": "results.append(x)",
    "b": "counter += 1",
    "c": "if key not in cache: cache[key] = load(key)",
    "d": "cache[key] = value",
    "e": "q.put(item)   # q is a queue.Queue",
    "f": "job = jobs.popleft()   # jobs is a collections.deque",
    "g": "for key in cache: ...   # while other threads add keys",
}
_SAFE = {"a", "d", "e", "f"}
_WHY_UNSAFE = {
    "b": (
        "'counter += 1' is not safe: it is a read, an add and a write (dis showed the steps). "
        "Another thread can write between your read and your write, and one update is lost."
    ),
    "c": (
        "the check-then-act 'if key not in cache: cache[key] = load(key)' is not safe: two "
        "threads can both see the key missing and both load it; the check no longer holds "
        "when they act."
    ),
    "g": (
        "iterating over a dict is many steps, and another thread's insert can come between "
        "two of them: then the loop raises RuntimeError (dictionary changed size during "
        "iteration), with or without the GIL. Iterate over a copy, or lock."
    ),
}
_WHY_SAFE = {
    "a": (
        "'results.append(x)' is safe: one call on a built-in list is done as a whole; no "
        "other thread sees a half-appended list."
    ),
    "d": (
        "'cache[key] = value' is safe: a single store into a built-in dict. (It is the check "
        "before a store that makes option c unsafe, not the store.)"
    ),
    "e": "'q.put(item)' is safe: queue.Queue takes its own lock inside put and get.",
    "f": (
        "'jobs.popleft()' is safe: append and popleft on a deque are single calls, done as a "
        "whole (it raises IndexError when the deque is empty, and never hands one item to two "
        "threads)."
    ),
}


def _letters(answer: object) -> set[str]:
    if answer is None:
        raise checks.Wrong("set safe to a set of letters first, for example {'a', 'b'}.")
    if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)):
        raise checks.Wrong(f"safe should be a set of letters like {{'a', 'b'}}; got {answer!r}.")
    letters = {str(item).strip().lower() for item in answer}
    unknown = sorted(letters - set(OPERATIONS))
    if unknown:
        raise checks.Wrong(f"{unknown} are not options; choose among {sorted(OPERATIONS)}.")
    return letters


@checks.checker
def check_safe_operations(safe: object) -> checks.Feedback:
    """Which operations are safe from many threads without a lock (CPython)?"""
    letters = _letters(safe)
    for letter in sorted(letters - _SAFE):
        raise checks.Wrong(_WHY_UNSAFE[letter])
    for letter in sorted(_SAFE - letters):
        raise checks.Wrong(f"you left out a safe one. {_WHY_SAFE[letter]}")
    return checks.passed(
        "a, d, e and f: one operation on a built-in container, a deque or a Queue is safe; "
        "a read-modify-write (b), a check-then-act (c) and a loop over a dict that others "
        "change (g) are many steps, and need a lock (or a copy, for g)."
    )


# ----------------------------------------------------------------------------- exercise 2

_ITEMS = list(range(1, 21))
_CONSUMERS = 3
_STUCK_AFTER = 1.0  # seconds a blocking get may wait in the checker before we call it stuck


class _BoundedQueue(queue.Queue):  # type: ignore[type-arg]
    """A Queue whose waits end: a get that would wait forever gives up after a while.

    The checker hands this to the learner's consumers, so a consumer that never stops raises
    ``queue.Empty`` instead of hanging, and the checker can say what went wrong.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stuck = threading.Event()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        forever = block and timeout is None
        try:
            return super().get(block, _STUCK_AFTER if forever else timeout)
        except queue.Empty:
            if forever:
                self.stuck.set()
            raise


def _run_consumers(
    consume: Callable[..., Any],
) -> tuple[_BoundedQueue, list[Any], list[BaseException], Stopped]:
    q = _BoundedQueue()
    results: list[Any] = []
    run = learner.start_threads([lambda: consume(q, results)] * _CONSUMERS)
    for item in _ITEMS:
        q.put(item)
        time.sleep(0.002)  # a producer slower than the consumers: the queue is often empty
    for _ in run.threads:
        q.put(None)
    stopped = stop(run.threads, _STUCK_AFTER + 3.0)
    # A consumer that gave up with queue.Empty is reported through q.stuck (or by its results).
    errors = [e for _, e in sorted(run.errors.items()) if not isinstance(e, queue.Empty)]
    return q, results, errors, stopped


@checks.checker
def check_consumer(consume: object) -> checks.Feedback:
    """``consume(q, results)``: square items until the sentinel ``None``; task_done each."""
    if consume is None:
        raise checks.Wrong("write the function consume(q, results) first (it is still None).")
    checks.expect_callable(consume, "consume")
    q, results, errors, stopped = checks.call_with_timeout(_run_consumers, consume, timeout=15)
    for error in errors:
        if isinstance(error, NotImplementedError):
            raise error  # the placeholder: @checker answers "not started yet"
    none_errors = [e for e in errors if "NoneType" in str(e)]
    if none_errors:
        raise checks.Wrong(
            "a consumer treated the sentinel None as an item "
            f"({type(none_errors[0]).__name__}: {none_errors[0]}). "
            "Check `if item is None:` first, and return."
        )
    if errors:
        raise checks.Wrong(f"a consumer raised {type(errors[0]).__name__}: {errors[0]}")
    if not stopped.clean:
        raise checks.Wrong(
            f"a consumer was still running {_STUCK_AFTER + 3.0:g} s after every item and every "
            "sentinel had been put. Each consumer must return when it gets None."
        )
    if q.stuck.is_set():
        raise checks.Wrong(
            "a consumer was still waiting in q.get() after every item and every sentinel had "
            "been taken. Each consumer must return when it gets None (one None per consumer)."
        )
    expected = sorted(item * item for item in _ITEMS)
    if len(results) < len(expected):
        raise checks.Wrong(
            f"only {len(results)} of {len(expected)} items were processed: a consumer stopped "
            "before it got its sentinel. An empty queue only means the producer is slower "
            "right now, not that it is done; stop on None, nothing else."
        )
    if sorted(results) != expected:
        raise checks.Wrong(
            f"results should hold item * item for every item, once; got {sorted(results)[:6]}…"
        )
    if q.qsize():
        raise checks.Wrong(
            f"{q.qsize()} item(s) were left in the queue. There is one sentinel per consumer: "
            "take yours and return, do not put it back."
        )
    if q.unfinished_tasks:
        raise checks.Wrong(
            f"q.join() would wait forever: {q.unfinished_tasks} item(s) were never marked "
            "done. Call q.task_done() once for every get(), the sentinel included."
        )
    return checks.passed(
        f"{_CONSUMERS} consumers processed {len(_ITEMS)} items, each stopped on its own "
        "sentinel, and every get() was matched by task_done()."
    )


# ----------------------------------------------------------------------------- exercise 3

_PRODUCERS, _PRODUCE_MS = 2, 20
_WORKERS, _PROCESS_MS = 3, 100
_MAXSIZE = 10


@checks.checker
def check_bottleneck(
    throughput: object, bottleneck: object, queue_length: object
) -> checks.Feedback:
    """2 producers at 20 ms/item, 3 consumers at 100 ms/item, maxsize 10, after a while."""
    make = _PRODUCERS * 1000 / _PRODUCE_MS  # 100 items/s
    work = _WORKERS * 1000 / _PROCESS_MS  # 30 items/s
    rate = learner.number_answer(
        throughput,
        "throughput",
        {
            make: f"{make:g} items/s is what the producers could make. Items leave the pipeline "
            "only as fast as the consumers finish them.",
            make + work: "the stages do not add up: every item goes through both, one after "
            "another.",
            1000 / _PROCESS_MS: "that is one consumer's rate; three consumers work at the same "
            "time.",
        },
    )
    if not math.isclose(rate, min(make, work), rel_tol=0.02):
        raise checks.Wrong(
            f"{rate:g} items/s is not it. Work out each stage's rate (workers x items per "
            "second each); the pipeline runs at the slower one."
        )
    stage = str(bottleneck).strip().lower() if bottleneck is not None else None
    if stage not in {"producers", "consumers"}:
        raise checks.Wrong(f"bottleneck should be 'producers' or 'consumers'; got {bottleneck!r}.")
    if stage == "producers":
        raise checks.Wrong(
            f"the producers could make {make:g} items/s; the consumers manage {work:g}. "
            "The bottleneck is the slower stage."
        )
    length = learner.number_answer(queue_length, "queue_length")
    if length == 0:
        raise checks.Wrong(
            "an empty queue is what you see when the consumers are faster. Here the producers "
            "are faster: what happens to the queue?"
        )
    if length != _MAXSIZE:
        raise checks.Wrong(
            "the producers are faster, so the queue fills up, and then put() blocks: the queue "
            "stays at its maximum size. What is maxsize here?"
        )
    return checks.passed(
        f"{work:g} items/s, limited by the consumers; the queue sits full at {_MAXSIZE} and "
        "put() makes the producers wait: that is back-pressure."
    )


# ----------------------------------------------------------------------------- exercise 4

#: The name both checked threads ask for.
_NAME = "db"


def _ask(pool: Pool, connection: Callable[[Pool, str], Any], me: str) -> None:
    """What each checked thread runs: ask for the connection, and keep the answer."""
    pool.got[me] = connection(pool, _NAME)


def _one_connection(pool: Pool) -> bool:
    """Opened once, and both threads got that very connection, the one in the pool."""
    shared = pool.connections.get(_NAME)
    return pool.opened == 1 and shared is not None and all(c is shared for c in pool.got.values())


@validated
def prove_connection(connection: Annotated[Callable[[Pool, str], Any], Fn()]) -> Verdict:
    """Two threads ask for the same connection at once, under every interleaving (one
    instruction per step, at most two preemptions)."""
    return prove(
        {name: functools.partial(_ask, connection=connection, me=name) for name in "AB"},
        setup=Pool,
        check=_one_connection,
        show=show_pool,
        granularity="instruction",
        step=answer_modules(connection),
        preemptions=2,
    )


def _one_at_a_time(connection: Callable[[Pool, str], Any]) -> None:
    """Two calls in one thread: the answer must be right before it can be right in two."""
    pool = Pool()
    first = checks.call_with_timeout(connection, pool, _NAME, timeout=5)
    if first is None:
        raise checks.Wrong("connection(pool, 'db') returned None: return the pool's connection.")
    second = checks.call_with_timeout(connection, pool, _NAME, timeout=5)
    if pool.lock.locked():
        raise checks.Wrong("pool.lock was still locked after connection() returned: release it.")
    if pool.opened != 1:
        raise checks.Wrong(
            f"two calls, one after the other, opened {pool.opened} connections. Open one only "
            "when the pool has none (note that setdefault(name, pool.open(name)) opens one on "
            "every call: Python works out the argument before the call)."
        )
    if first is not second or pool.connections.get(_NAME) is not first:
        raise checks.Wrong(
            "two calls, one after the other, returned different objects: return the "
            "connection stored in pool.connections."
        )


def _what_went_wrong(verdict: Verdict) -> str:
    ce = verdict.counterexample
    assert ce is not None
    outcome, pool = ce.outcome, ce.outcome.state
    if outcome.kind == "deadlock":
        return (
            "the threads waited forever: one of them holds pool.lock and never lets it go "
            "(is every acquire matched by a release? `with pool.lock:` does that)."
        )
    if outcome.kind == "exception":
        return f"a thread raised an exception: {outcome.message}."
    if isinstance(pool, Pool) and pool.opened > 1:
        return (
            f"{pool.opened} connections were opened: both threads found none, and both "
            "opened one. The check and the insert are two steps, and the other thread ran "
            "in between: make them one step for every other thread."
        )
    return "the two threads did not get the same connection, the one in the pool."


@checks.checker
def check_connection(connection: object) -> checks.Feedback:
    """``connection(pool, name)``: open each connection once; every caller gets that one."""
    return judge_answer(
        connection,
        call="connection(pool, name)",
        alone=_one_at_a_time,
        stuck=(
            "connection() did not return within 5 s, called alone in one thread. Does it "
            "take pool.lock twice? A Lock cannot be taken again by its holder."
        ),
        prove_it=prove_connection,
        holds="one connection, the same for both threads",
        without_lab="two calls in one thread open one connection and return it.",
        own_locks="Every schedule runs on a fresh pool. Use pool.lock, the pool's own lock.",
        explain=_what_went_wrong,
    )
