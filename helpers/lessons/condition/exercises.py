"""Checkers for notebook 05 (condition variables).

The learner's code runs in threads the checker owns. Every wait is bounded, and when the
learner's code gets stuck the checker wakes it up itself (a ``notify_all`` with the state made
true), so a wrong answer never leaves a thread behind.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Annotated, Any

from ...core import checks, learner
from ...core.domains import Bool, Count, Fn, Int, Of, Seconds, validated
from ...core.lifecycle import wait_until, waiting_count
from ...lab import Outcome, Verdict, answer_modules, prove
from .classes import MakeCondition

#: How many players take turns (exercise 2).
Players = Annotated[int, Int(1, 32)]

# --- Exercise 1: how many wake up? -------------------------------------------------------------


@checks.checker
def check_woken(woken: object) -> checks.Feedback:
    """Five threads wait; the notifier calls ``notify(2)`` and then ``notify()``."""
    value = learner.number_answer(woken, "woken")
    if value == 3:
        return checks.passed(
            "3: notify(2) wakes two waiters and notify() one more; the other two keep "
            "waiting. (In CPython, the three that have waited longest.)"
        )
    if value == 5:
        raise checks.Wrong("notify(n) wakes at most n waiters; only notify_all() wakes everyone.")
    if value == 2:
        raise checks.Wrong("notify() after notify(2) wakes one more waiter; notifications add up.")
    if value == 0:
        raise checks.Wrong(
            "they do wake: each notify moves waiters out of the queue, and they run as soon "
            "as the notifier releases the lock."
        )
    raise checks.Wrong(f"{value:g} is not it. notify(n) wakes up to n of the waiting threads.")


# --- Exercise 2: taking turns ------------------------------------------------------------------


class TimedCondition(threading.Condition):
    """A ``threading.Condition`` that counts the waits that ended because time ran out.

    In a right answer every player is woken when its turn comes, so none of its waits runs
    out. One that runs out shows a wake-up that never came, even if the player then moved.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timed_out = 0

    def wait(self, timeout: float | None = None) -> bool:
        woken = super().wait(timeout)
        if not woken:
            self.timed_out += 1  # the lock is held again here
        return woken


class Turns:
    """Shared state for exercise 2: whose turn it is, a log of moves, and their condition."""

    @validated
    def __init__(self, players: Players, make_condition: MakeCondition = threading.Condition):
        self.players = players
        self.current = 0  # the player whose turn it is
        self.log: list[int] = []  # moves, in the order they were played
        self.cond = make_condition()

    def __repr__(self) -> str:
        return f"Turns(players={self.players}, current={self.current}, log={self.log})"


@validated
def play_turns(
    take_turns: Annotated[Callable[..., Any], Fn()],
    players: Players = 3,
    rounds: Count = 4,
    timeout: Annotated[float, Seconds(10)] = 0.5,
    *,
    spurious: Bool = False,
) -> tuple[Turns, learner.ThreadRun, bool]:
    """Start the players *last first* (each waiting before the next starts), then player 0.

    That queue order is what exposes a ``notify()`` that wakes the wrong player. With
    ``spurious``, the checker wakes all the waiting players once before player 0 starts, without
    changing the turn, as any other notifier sharing the condition may: a player that does not
    check the turn again after waking then moves out of turn, on every build and every run.
    Returns the state, the threads' outcome, and whether the checker had to rescue them.
    """
    turns = Turns(players, TimedCondition)

    def all_waiting(count: int, run: learner.ThreadRun) -> bool:
        live = [t for t in run.threads[:count] if t.is_alive()]
        return waiting_count(turns.cond) >= len(live)

    def queued(i: int, run: learner.ThreadRun) -> None:
        if i < players - 1:  # every player but the last one started (player 0) must be waiting
            wait_until(lambda: all_waiting(i + 1, run), learner.PATIENCE_S)
        if spurious and i == players - 2:
            with turns.cond:
                turns.cond.notify_all()
            wait_until(lambda: all_waiting(players - 1, run), learner.PATIENCE_S)

    run = learner.start_threads(
        [(lambda me=me: take_turns(turns, me, rounds, timeout)) for me in reversed(range(players))],
        before_next=queued,
    )
    rescued = not run.join(2 * timeout + learner.PATIENCE_S)
    if rescued:
        learner.rescue(run, turns.cond, lambda: None)
    return turns, run, rescued


def refuse_a_stall(turns: Turns) -> None:
    """Refuse a game that only went on because a wait ran out (:class:`TimedCondition`):
    by luck of timing, or by a wait in a loop that never gives up."""
    if turns.cond.timed_out:
        raise checks.Wrong(
            "every move was right, but the game stalled: a player's wait ran out before "
            "anyone woke it, and it only moved because its turn had come by then. A "
            "notify() wakes one waiter, maybe not the player whose turn it is: wake "
            "everyone with notify_all(), and let a wait that runs out end the game "
            "(return False)."
        )


@checks.checker
def check_take_turns(take_turns: object) -> checks.Feedback:
    """Three players must append to the log in the order 0, 1, 2, 0, 1, 2, …"""
    take_turns = checks.expect_callable(take_turns, "take_turns")
    players, rounds = 3, 4
    turns, run, rescued = play_turns(take_turns, players, rounds)
    for error in run.errors.values():
        learner.hint_if_lock_not_held(error)
    run.raise_first_error()
    expected = list(range(players)) * rounds
    log = turns.log
    # A move out of turn proves the turn is not checked again after a wake-up, whatever else
    # went wrong (on a loaded machine the same answer may also leave players waiting).
    wrong = [i for i, (a, b) in enumerate(zip(log, expected, strict=False)) if a != b]
    if wrong:
        first_bad = wrong[0]
        raise checks.Wrong(
            f"move {first_bad + 1} was played by player {log[first_bad]}, but it was player "
            f"{expected[first_bad]}'s turn (log: {log}). After waking up, check the turn again: "
            "`turns.cond.wait_for(lambda: turns.current == me, timeout)`."
        )
    if rescued:
        raise checks.Wrong(
            "some players were still waiting long after the game should have ended, and the "
            "checker had to wake them. A notify() wakes one waiter, maybe not the player whose "
            "turn it is: wake every player with notify_all(), and pass `timeout` "
            "to wait_for() (return False when it runs out)."
        )
    if log == expected:
        if any(result is not True for result in run.results.values()):
            raise checks.Wrong(
                f"the moves are right, but take_turns returned {list(run.results.values())!r}"
                "; return True once all the rounds are played."
            )
        refuse_a_stall(turns)
        woken, again, _ = play_turns(take_turns, players, rounds, spurious=True)
        again.raise_first_error()
        if woken.log != expected:
            raise checks.Wrong(
                "a player that was woken while it was not its turn moved anyway (log: "
                f"{woken.log}). A wait can end for reasons other than your turn (another "
                "notify_all(), a timeout): check the turn again after waking, with "
                "`turns.cond.wait_for(lambda: turns.current == me, timeout)`."
            )
        refuse_a_stall(woken)
        return checks.passed(
            "every player moved in turn. notify_all() wakes every player; each checks whose "
            "turn it is, and only the right one moves."
        )
    if len(log) > len(expected):
        raise checks.Wrong(
            f"{len(log)} moves were played, but {players} players × {rounds} rounds make "
            f"{len(expected)} (log: {log}): each player moves `rounds` times, then returns True."
        )
    raise checks.Wrong(
        f"the game stopped after {len(log)} of {len(expected)} moves ({log}). A notify() "
        "woke a player whose turn it was not: it went back to sleep, and the player whose "
        "turn it was never heard. Wake everyone with notify_all(); each checks its turn."
    )


# --- Exercise 3: a count-down latch ------------------------------------------------------------


def _condition_of(latch: object) -> Any:
    """The learner's condition: the attribute that has a waiter queue."""
    for value in vars(latch).values():
        if hasattr(value, "_waiters") and hasattr(value, "notify_all"):
            return value
    raise checks.Wrong(
        "store the condition on the latch (e.g. `self.cond = threading.Condition()`)."
    )


@checks.checker
def check_latch(latch_class: object) -> checks.Feedback:
    """``CountDownLatch(count)``: ``count_down()`` and ``wait(timeout)`` that returns a bool."""
    if not isinstance(latch_class, type):
        raise checks.Wrong(f"CountDownLatch should be a class; got {type(latch_class).__name__}.")
    latch = latch_class(2)
    cond = _condition_of(latch)

    def open_up() -> None:
        latch.count = 0

    def call(fn: Callable[..., Any], *args: Any) -> Any:
        stuck = "wait(timeout) must give up when the time runs out: pass it to wait_for()."
        return learner.call_bounded(
            fn, *args, timeout=learner.PATIENCE_S, cond=cond, unstick=open_up, stuck=stuck
        )

    early = call(latch.wait, 0.05)
    if early is not False:
        raise checks.Wrong(
            f"with the count still at 2, wait(0.05) should time out and return False; it "
            f"returned {early!r}. Return the result of wait_for()."
        )
    opened = learner.call_bounded(latch_class(0).wait, 0.05, timeout=learner.PATIENCE_S, cond=cond)
    if opened is not True:
        raise checks.Wrong(
            f"a latch created with count 0 is open: wait() should return True, not {opened!r}."
        )
    for step, expected in ((1, False), (2, True)):
        call(latch.count_down)
        got = call(latch.wait, 0.05)
        if got is not expected:
            state = "still closed" if not expected else "open"
            raise checks.Wrong(
                f"after {step} count_down() call(s) on a latch of 2 it is {state}, so wait(0.05) "
                f"should return {expected}; it returned {got!r}."
            )
    call(latch.count_down)
    if call(latch.wait, 0.05) is not True:
        raise checks.Wrong(
            "a third count_down() on a latch of 2 closed it again: once open, a latch stays "
            "open (do not let the count go below 0)."
        )
    return _check_latch_wakes_everyone(latch_class)


def _check_latch_wakes_everyone(latch_class: type) -> checks.Feedback:
    """Three threads wait (with a long timeout); one count_down() must release them all now,
    not when their timeouts run out."""
    latch = latch_class(1)
    cond = _condition_of(latch)
    waiters = 3
    run = learner.start_threads([lambda: latch.wait(30.0)] * waiters)
    wait_until(lambda: waiting_count(cond) >= waiters or bool(run.errors), learner.PATIENCE_S)
    try:
        latch.count_down()
    except RuntimeError as error:
        learner.rescue(run, cond, lambda: setattr(latch, "count", 0))
        learner.hint_if_lock_not_held(error)
        raise
    run.join(learner.PATIENCE_S)
    woken = waiters - len(run.alive())
    if woken < waiters and not learner.rescue(run, cond, lambda: setattr(latch, "count", 0)):
        raise checks.Wrong("the waiting threads could not be woken up, even with notify_all().")
    run.raise_first_error()
    if woken < waiters:
        raise checks.Wrong(
            f"{waiters} threads waited, but only {woken} woke up when the count reached 0: "
            "count_down() must wake every waiter, so use notify_all()."
        )
    if any(result is not True for result in run.results.values()):
        raise checks.Wrong(
            f"the woken threads' wait() returned {list(run.results.values())}; an open latch "
            "should make wait() return True."
        )
    return checks.passed(
        "the latch opens for every waiter at once, and wait(timeout) reports whether it opened."
    )


# --- Exercise 4: fix a one-item buffer, proven over every interleaving ------------------------

#: What the proof's producer puts, in order; the two consumers must get exactly these.
_ITEMS = ("a", "b")


class SlotRun:
    """One run of the proof: the learner's buffer and what each consumer got."""

    def __init__(self, slot_class: type) -> None:
        self.slot = slot_class()  # made inside the run, so its condition is the lab's
        self.got: dict[str, Any] = {}


def _produce(run: SlotRun) -> None:
    for item in _ITEMS:
        run.slot.put(item)  # no timeout: a wait that never ends is the lab's deadlock


def _consume(run: SlotRun, me: str) -> None:
    run.got[me] = run.slot.get()


def _got_both(run: SlotRun) -> bool:
    return sorted(map(str, run.got.values())) == sorted(_ITEMS)


def _show_slot(run: SlotRun) -> dict[str, Any]:
    """The slot's plain values (not its conditions: their repr differs from run to run)."""
    plain = (str, int, float, bool, type(None))
    shown = {k: v for k, v in vars(run.slot).items() if isinstance(v, plain)}
    return {**shown, "got": dict(run.got)}


@validated
def prove_slot(slot_class: Annotated[type, Of(type)]) -> Verdict:
    """One producer puts "a" then "b"; two consumers get one item each. Every interleaving,
    one line per step, at most one preemption."""
    return prove(
        {
            "P": _produce,
            "C1": functools.partial(_consume, me="C1"),
            "C2": functools.partial(_consume, me="C2"),
        },
        setup=functools.partial(SlotRun, slot_class),
        check=_got_both,
        show=_show_slot,
        granularity="line",
        step=answer_modules(slot_class),
        preemptions=1,  # a stolen wakeup needs one; a missed notify_all() needs none
    )


def _what_went_wrong(outcome: Outcome) -> str:
    """What the shortest failing schedule's ending says about the learner's Slot."""
    if outcome.kind == "deadlock":
        return (
            "every thread ended up waiting, and nobody was left to wake them. Is there a "
            "notify after every change a waiter may be waiting for? With one "
            "condition, producers and consumers share one queue of waiters: a notify() can wake "
            "a thread of the wrong kind, which goes back to sleep. Use notify_all(), or one "
            "condition per kind of waiter over one lock (as BoundedBuffer does)."
        )
    if outcome.kind == "exception":
        message = outcome.message
        if "un-acquired lock" in message:
            return (
                f"a thread raised {message}: notify() belongs inside `with self.cond:`, "
                "right after the change it announces."
            )
        return f"a thread raised an exception: {message}."
    return (
        f"the consumers got {dict(outcome.state.got)!r}, not one of each of {list(_ITEMS)}. "
        "A woken thread went on without checking again: another thread changed the slot "
        "between the notify and the moment it got the lock back. Wait in a `while` loop, "
        "or with wait_for()."
    )


@checks.checker
def check_slot(slot_class: object) -> checks.Feedback:
    """``Slot()``: ``put(item, timeout=None)`` and ``get(timeout=None)`` for one item."""
    if not isinstance(slot_class, type):
        raise checks.Wrong(f"Slot should be a class; got {type(slot_class).__name__}.")
    slot = slot_class()
    cond = _condition_of(slot)
    learner.call_bounded(slot.put, "x", 0.05, timeout=learner.PATIENCE_S, cond=cond)
    try:
        learner.call_bounded(slot.put, "y", 0.05, timeout=learner.PATIENCE_S, cond=cond)
    except TimeoutError:
        pass
    else:
        raise checks.Wrong(
            "put() into a full slot should wait, and raise TimeoutError if time runs out."
        )
    got = learner.call_bounded(slot.get, 0.05, timeout=learner.PATIENCE_S, cond=cond)
    if got != "x":
        raise checks.Wrong(f"put('x') then get() returned {got!r}, not 'x'.")
    try:
        learner.call_bounded(slot.get, 0.05, timeout=learner.PATIENCE_S, cond=cond)
    except TimeoutError:
        pass
    else:
        raise checks.Wrong(
            "get() from an empty slot should wait, and raise TimeoutError if time runs out."
        )
    verdict = prove_slot(slot_class)
    if not verdict.ok:
        ce = verdict.counterexample
        assert ce is not None
        raise checks.Wrong(
            f"{_what_went_wrong(ce.outcome)}\nThe lab's search: {verdict.message}:\n{ce.table()}"
        )
    return checks.passed(
        f"one producer and two consumers always get one item each: {verdict.message}."
    )
