"""Checkers for notebook 12 (beyond one machine).

The exercises are written against ``concurrent.futures.Executor``, so the same answer runs on
a thread pool, a process pool and Dask's ``client.get_executor()``. The checkers hand the
learner's function a *scripted* executor: a real ``Executor`` whose tasks finish when the
checker says, in the order it chooses, or never. That is how they catch answers that work
only by luck of timing (results collected in finishing order, the first submitted task taken
for the first finished, a sum taken before every part is in), answers that wait without a
bound, and answers that shut down an executor they were lent. Nothing keeps running
afterwards: every future the checker scripted is finished or cancelled before it returns.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Annotated, Any

from ...core import checks
from ...core.domains import Bool, Fn, Int, Items, validated

#: The timeout the checkers pass to the learner's function (seconds).
TIMEOUT_S = 0.5
#: How much longer than that the checker waits before it calls the function stuck.
_SLACK_S = 3.0


class ScriptedExecutor(Executor):
    """An executor whose tasks finish when the checker decides.

    ``delays[i]`` is how long the ``i``-th submitted task takes (seconds), or None: never, until
    :meth:`finish_all`. ``running`` is how many tasks run at once; the others wait, and can be
    cancelled, as in a real pool. Every task runs ``fn(*args)`` for real, in a timer thread.
    """

    @validated
    def __init__(
        self,
        delays: Annotated[Callable[[int], float | None], Fn()],
        running: Annotated[int, Int(1, 1_000)] = 64,
        refill: Bool = True,
    ) -> None:
        self.delays = delays
        self.running = running
        self.refill = refill  # False: a finished task frees no place for a waiting one
        self.cancelled_at_return: list[bool] = []
        self.submitted: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self.futures: list[Future[Any]] = []
        self.started: list[int] = []
        self.is_shut_down = False
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.is_shut_down:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[Any] = Future()
        with self._lock:
            self.submitted.append((fn, args, kwargs))
            self.futures.append(future)
        self._maybe_start()
        return future

    def _maybe_start(self) -> None:
        with self._lock:
            if self._closed:
                return
            active = sum(
                1 for n in self.started if not self.futures[n].done()
            )  # started and not finished
            for number, future in enumerate(self.futures):
                if active >= self.running:
                    break
                if number in self.started or future.cancelled():
                    continue
                if not future.set_running_or_notify_cancel():
                    continue
                self.started.append(number)
                active += 1
                delay = self.delays(number)
                if delay is not None:
                    timer = threading.Timer(delay, self._finish, args=(number,))
                    timer.daemon = True
                    self._timers.append(timer)
                    timer.start()

    def _finish(self, number: int) -> None:
        future = self.futures[number]
        if future.done():
            return
        self._settle(number)
        if self.refill:
            self._maybe_start()

    def _settle(self, number: int) -> None:
        fn, args, kwargs = self.submitted[number]
        future = self.futures[number]
        try:
            value = fn(*args, **kwargs)
        except BaseException as error:
            with _settled_already():
                future.set_exception(error)
            return
        with _settled_already():
            future.set_result(value)

    def finish_all(self) -> None:
        """End the script: finish every started task, cancel every waiting one."""
        with self._lock:
            self._closed = True
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        for number, future in enumerate(self.futures):
            if future.done():
                continue
            if number in self.started:
                self._settle(number)
            else:
                future.cancel()
        for timer in timers:
            timer.join(1.0)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.is_shut_down = True
        if cancel_futures:
            for future in self.futures:
                future.cancel()


@contextlib.contextmanager
def _settled_already() -> Iterator[None]:
    """A timer and the end of the script may race to finish one future: the first one wins."""
    with contextlib.suppress(cf.InvalidStateError):
        yield


def _call(name: str, fn: Callable[..., Any], executor: ScriptedExecutor, *args: Any) -> Any:
    """Call the learner's function ``name``; note which futures it cancelled; end the script.
    :class:`Wrong` if it is still waiting long after its timeout."""
    try:
        return checks.call_with_timeout(fn, executor, *args, timeout=TIMEOUT_S + _SLACK_S)
    except checks.CheckTimeout:
        raise _stuck(name) from None
    finally:
        executor.cancelled_at_return = [f.cancelled() for f in executor.futures]
        executor.finish_all()


def _gives_up(
    name: str, fn: Callable[..., Any], executor: ScriptedExecutor, items: list[int], returned: str
) -> float:
    """Call ``fn(executor, _double, items, TIMEOUT_S)`` where some task never finishes: the
    seconds it took to raise a ``TimeoutError``; :class:`Wrong` with ``returned`` if it returned
    instead."""
    started = time.monotonic()
    try:
        _call(name, fn, executor, _double, list(items), TIMEOUT_S)
    except Exception as error:
        if not _is_timeout(error):
            raise
        return time.monotonic() - started
    raise checks.Wrong(returned)


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, (TimeoutError, cf.TimeoutError))


def _stuck(name: str) -> checks.Wrong:
    return checks.Wrong(
        f"{name} was still waiting {TIMEOUT_S + _SLACK_S:g} s after it was called, with a "
        f"timeout of {TIMEOUT_S:g} s: some wait has no bound. Pass the timeout on: "
        "result(timeout=...), as_completed(..., timeout=...), wait(..., timeout=...)."
    )


def _expect_function(fn: object, name: str) -> Callable[..., Any]:
    if fn is None:
        raise checks.Wrong(f"define {name} first (it is still None).")
    return checks.expect_callable(fn, name)


def _double(x: int) -> int:
    return 2 * x


# --- Exercise 1: results in order, on any executor ------------------------------------------------


@checks.checker
def check_results_in_order(results_in_order: object) -> checks.Feedback:
    """``results_in_order(executor, fn, items, timeout)``: ``[fn(i) for i in items]`` computed
    on ``executor``, in the order of ``items``; ``TimeoutError`` if not done in time."""
    results_in_order = _expect_function(results_in_order, "results_in_order")
    items = list(range(6))

    # Later items finish first: collecting in finishing order gives them reversed.
    reverse = ScriptedExecutor(lambda n: 0.01 * (len(items) - n))
    result = _call("results_in_order", results_in_order, reverse, _double, list(items), TIMEOUT_S)
    if reverse.is_shut_down:
        raise checks.Wrong(
            "results_in_order shut the executor down (a `with executor:` block does that). It "
            "was lent to you: the caller may still need it, and may be a whole cluster."
        )
    if not isinstance(result, list):
        raise checks.Wrong(f"return a list; got {type(result).__name__}.")
    expected = [_double(i) for i in items]
    if result != expected and sorted(result) == sorted(expected):
        raise checks.Wrong(
            f"the results are in the order the tasks finished: {result}. That matches the input "
            "only when the tasks happen to finish in order; keep the futures in a list in the "
            "order you submitted them, and read them in that order."
        )
    if result != expected:
        raise checks.Wrong(f"results_in_order should return {expected}; got {result}.")
    if len(reverse.submitted) != len(items):
        raise checks.Wrong(f"submit one task per item; {len(reverse.submitted)} were submitted.")

    # One task never finishes: the function must give up after `timeout`.
    never = ScriptedExecutor(lambda n: None if n == 2 else 0.01)
    waited = _gives_up(
        "results_in_order",
        results_in_order,
        never,
        items,
        "a task never finished, yet results_in_order returned: it should raise.",
    )
    return checks.passed(
        f"in the order of the items, and a TimeoutError after {waited:.1f} s when a task never "
        "finished."
    )


# --- Exercise 2: the first answer wins ------------------------------------------------------------


@checks.checker
def check_first_done(first_done: object) -> checks.Feedback:
    """``first_done(executor, fn, items, timeout)``: ``(item, fn(item))`` for the first task to
    finish; every other task cancelled; ``TimeoutError`` if none finishes in time."""
    first_done = _expect_function(first_done, "first_done")
    items = [10, 11, 12, 13, 14]
    # Two run at once: item 10 never finishes (until the end), item 11 does after 50 ms;
    # the three others wait in the queue, and should be cancelled.
    executor = ScriptedExecutor(lambda n: None if n == 0 else 0.05, running=2, refill=False)
    try:
        result = _call("first_done", first_done, executor, _double, list(items), TIMEOUT_S)
    except Exception as error:
        if _is_timeout(error):
            raise checks.Wrong(
                "first_done timed out, yet one task had finished after 50 ms: it waited for "
                "the first task it submitted (or for all of them), not for the first to "
                "finish. wait(..., return_when=FIRST_COMPLETED) or as_completed give you that."
            ) from None
        raise
    if executor.is_shut_down:
        raise checks.Wrong(
            "first_done shut the executor down: it was lent to you, keep it running."
        )
    if result != (11, 22):
        raise checks.Wrong(f"the first task to finish was item 11, with result 22; got {result!r}.")
    if not all(executor.cancelled_at_return[2:]):
        raise checks.Wrong(
            "the tasks still waiting in the queue were not cancelled: they would all run, for "
            "nothing. Call cancel() on every future you do not need."
        )

    none = ScriptedExecutor(lambda n: None, running=2)
    returned = "no task finished, yet first_done returned: it should raise TimeoutError."
    _gives_up("first_done", first_done, none, items, returned)
    return checks.passed(
        "the first to finish wins, the rest are cancelled, and it gives up in time."
    )


# --- Exercise 3: fewer, bigger tasks --------------------------------------------------------------


@validated
def sum_of_squares(numbers: Annotated[Sequence[int], Items(Int(None), empty_ok=True)]) -> int:
    """What each chunk's task computes (also ``child.sum_of_squares``)."""
    return sum(n * n for n in numbers)


@checks.checker
def check_chunked_sum(chunked_sum: object) -> checks.Feedback:
    """``chunked_sum(executor, fn, numbers, chunks, timeout)``: split ``numbers`` into
    ``chunks`` parts, one ``executor.submit(fn, part)`` each, and add up the results."""
    chunked_sum = _expect_function(chunked_sum, "chunked_sum")
    numbers = list(range(103))  # 103 = 4 x 25 + 3: the parts cannot all be equal
    chunks = 4
    expected = sum_of_squares(numbers)
    for name, delay in (("quick", 0.01), ("slow", 0.3)):
        executor = ScriptedExecutor(lambda n, delay=delay: delay * (1 + n % 2))
        result = _call(
            "chunked_sum", chunked_sum, executor, sum_of_squares, list(numbers), chunks, 2.0
        )
        if executor.is_shut_down:
            raise checks.Wrong("chunked_sum shut the executor down: it was lent to you.")
        tasks = len(executor.submitted)
        if tasks > chunks:
            raise checks.Wrong(
                f"{tasks} tasks for {len(numbers)} numbers: each task pays the executor's "
                f"overhead (milliseconds on a cluster). Submit {chunks}, one per chunk."
            )
        parts = sorted(n for _, args, _ in executor.submitted for n in (args[0] if args else ()))
        if parts != numbers:
            missing = sorted(set(numbers) - set(parts))
            raise checks.Wrong(
                f"the chunks do not cover every number exactly once (missing: {missing[:6]}): "
                f"with {len(numbers)} numbers in {chunks} chunks, one chunk is bigger."
            )
        if tasks < min(chunks, len(numbers)):
            raise checks.Wrong(f"{tasks} task(s) for {chunks} chunks: submit one per chunk.")
        if result != expected:
            raise checks.Wrong(
                f"with {name} tasks the total is {result!r}, not {expected}: it was added up "
                "before every chunk had finished. Wait for each future's result (with the "
                "timeout), not for a fixed time."
            )
    return checks.passed(
        f"{chunks} tasks instead of {len(numbers)}, every number counted once, whatever the "
        "tasks' speed."
    )
