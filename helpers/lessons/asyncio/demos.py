"""The scenarios notebook 11 explains, each bounded, each returning facts a cell can assert.

* :func:`thread_switches`: two threads in a loop with no blocking call still take turns;
* :func:`capture_loop_errors`: what asyncio reports through the loop's exception handler
  ("Task exception was never retrieved"), collected instead of logged;
* :func:`beside_ticker`: a call made from a coroutine, next to a task that ticks; did the
  ticker get to run while the call waited? Drawn by :func:`draw_ticker_runs`;
* :func:`wrong_thread_put`: ``asyncio.Queue.put_nowait`` from another thread, caught by
  asyncio's debug mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core.domains import Fn, Int, Millis, Of, Seconds, validated
from ...core.lifecycle import ProgramRun, run_program, stop
from ...core.spans import Span
from ...draw.plots import finish, new_figure
from ...draw.timeline import draw_spans
from . import runner

# --- Threads are switched anywhere ------------------------------------------------------------


@dataclass(frozen=True)
class Switches:
    """Who ran, in order, as two threads looped; ``runs`` counts the unbroken stretches."""

    order: tuple[str, ...]

    @property
    def runs(self) -> int:
        return 1 + sum(a != b for a, b in zip(self.order, self.order[1:], strict=False))


@validated
def thread_switches(duration_s: Annotated[float, Seconds(5)] = 0.05) -> Switches:
    """Two threads each loop for ``duration_s`` seconds, noting their name at every step.

    No step blocks, sleeps or awaits. Yet the stretches alternate: the interpreter switches
    threads on its own (with the GIL, every ``sys.getswitchinterval()`` seconds; without it,
    the threads run at the same time). On a very busy machine a thread may not get a core for
    a while, so past ``duration_s`` they keep looping (10 s at most) until one of them has run
    again after the other.
    """
    order: list[str] = []
    start = threading.Barrier(2)
    resumed = threading.Event()  # a thread ran again after the other one had run

    def loop(name: str) -> None:
        start.wait(10)
        now = time.perf_counter()
        end, hard_end = now + duration_s, now + 10.0
        mine = False
        while now < end or (now < hard_end and not resumed.is_set()):
            if mine and order[-1] != name:
                resumed.set()
            order.append(name)  # list.append is atomic: nothing is lost, only interleaved
            mine = True
            now = time.perf_counter()

    threads = [threading.Thread(target=loop, args=(n,), name=f"lab-{n}") for n in "AB"]
    for thread in threads:
        thread.start()
    stop(threads, 15).check("the looping threads")
    compact = [name for i, name in enumerate(order) if i == 0 or order[i - 1] != name]
    return Switches(tuple(compact))


# --- What the loop reports ----------------------------------------------------------------------


@contextlib.contextmanager
def capture_loop_errors() -> Iterator[list[dict[str, Any]]]:
    """Collect what the running loop would log through its exception handler.

    asyncio reports some errors nobody can catch (an exception in a task that nobody awaited)
    by calling ``loop.call_exception_handler(context)``; the default handler logs
    ``context["message"]``. Inside this block each context is appended to the list instead.
    The previous handler is put back at the end. Call it where a loop runs (a cell, a
    coroutine).
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    seen: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        yield seen
    finally:
        gc.collect()  # a task that is garbage reports its lost exception when collected
        loop.set_exception_handler(previous)


# --- A call next to a ticking task ----------------------------------------------------------------

#: ``call(gate, patience)``: a coroutine function that does something the ticker should be
#: able to run beside. ``gate`` is a ``threading.Event`` the ticker sets after a few ticks.
TickerCall = Callable[[threading.Event, float], Awaitable[Any]]


@dataclass(frozen=True)
class TickerRun:
    """What happened while ``call`` ran: what it returned, and the ticks that happened."""

    name: str
    returned: Any
    ticks_during: int
    spans: tuple[Span, ...]
    t0: float

    @property
    def loop_was_free(self) -> bool:
        """The ticker ran while the call waited: the call did not hold the loop."""
        return self.ticks_during > 0


@validated
def beside_ticker(
    call: Annotated[TickerCall, Fn()],
    *,
    name: Annotated[str, Of(str)] = "call",
    ticks: Annotated[int, Int(1, 100)] = 3,
    tick_ms: Annotated[float, Millis(1, 100)] = 5,
    patience_s: Annotated[float, Seconds(30)] = 0.3,
) -> TickerRun:
    """Run ``await call(gate, patience_s)`` on a fresh loop, next to a task that ticks every
    ``tick_ms`` ms and sets ``gate`` after ``ticks`` ticks made while the call is running.

    Bounded: the whole run is cancelled after ``patience_s`` + 10 seconds.
    """

    async def main() -> TickerRun:
        gate = threading.Event()
        during = False
        tick_times: list[float] = []
        counted = 0

        async def ticker() -> None:
            nonlocal counted
            while True:
                now = time.perf_counter()
                tick_times.append(now)
                if during:
                    counted += 1
                    if counted >= ticks:
                        gate.set()
                await asyncio.sleep(tick_ms / 1e3)

        t0 = time.perf_counter()
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(3 * tick_ms / 1e3)  # a few ticks before the call
        during = True
        start = time.perf_counter()
        returned = await call(gate, patience_s)
        end = time.perf_counter()
        during = False
        await asyncio.sleep(3 * tick_ms / 1e3)  # and a few after
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        ticks_during = sum(start < t < end for t in tick_times)
        width = 0.3e-3  # a tick is instantaneous; drawn 0.3 ms wide to be seen
        tick_span = Span(
            0, t0, tick_times[-1] + width, tuple((t, t + width) for t in tick_times), "ticker"
        )
        held = () if ticks_during else ((start, end),)  # no tick: the call held the loop
        call_span = Span(1, start, end, held, name)
        return TickerRun(name, returned, ticks_during, (tick_span, call_span), t0)

    return runner.run(main(), timeout=patience_s + 10)


@validated
def draw_ticker_runs(runs: Annotated[Mapping[str, TickerRun], Of(Mapping)]) -> Figure:
    """One timeline per run: the ticker's ticks above, the call below."""
    fig, axes = new_figure(nrows=len(runs), width=8.5, height=1.5)
    longest = max((max(s.end for s in run.spans) - run.t0) * 1e3 for run in runs.values())
    for ax, (title, run) in zip(axes, runs.items(), strict=True):
        draw_spans(ax, run.spans, run.t0, legend=("holding the loop's thread", "waiting"))
        verdict = "the ticker kept ticking" if run.loop_was_free else "no tick: the loop was held"
        finish(ax, xlabel="time (ms)", ylabel="", title=f"{title}: {verdict}")
        ax.set_xlim(0, longest * 1.02)  # one time scale for every panel
    return fig


# --- The wrong thread ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WrongThread:
    """What happened when a thread called ``put_nowait`` on a queue a task was waiting on."""

    error: str  # what the thread's call raised ("" if nothing)
    consumer_got_it: bool


def wrong_thread_put() -> WrongThread:
    """A task waits on ``queue.get()``; another thread calls ``queue.put_nowait(item)``.

    Run with asyncio's debug mode on, which checks that loop methods are called from the
    loop's own thread: the thread's call raises ``RuntimeError`` and the waiting task is never
    woken. (Without debug mode nothing checks: the wake-up is queued without waking the loop,
    and happens whenever the loop next wakes up for another reason, or never.) Bounded: the
    stuck consumer is abandoned after 0.3 s, and its loop is closed.
    """

    async def main() -> WrongThread:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, _context: None)  # the abandoned task's report
        queue: asyncio.Queue[str] = asyncio.Queue()
        consumer = asyncio.create_task(queue.get())
        await asyncio.sleep(0)  # the consumer now waits in get()
        errors: list[str] = []

        def from_a_thread() -> None:
            try:
                queue.put_nowait("hello")
            except RuntimeError as error:
                errors.append(str(error))

        thread = threading.Thread(target=from_a_thread, name="lab-wrong-thread")
        thread.start()
        stopped = await asyncio.to_thread(stop, [thread], 5)
        stopped.check("the thread")
        done, _ = await asyncio.wait({consumer}, timeout=0.3)
        return WrongThread(errors[0] if errors else "", consumer in done)

    return runner.run(main(), timeout=10, debug=True)


# --- What a script does -------------------------------------------------------------------------

SCRIPT = Path(__file__).parent / "scripts" / "hello_asyncio.py"


@validated
def run_script(timeout: Annotated[float, Seconds(120)] = 60.0) -> ProgramRun:
    """Run ``scripts/hello_asyncio.py`` with this interpreter, as a program of its own
    (its source: ``SCRIPT.read_text()``)."""
    return run_program([SCRIPT], timeout=timeout)


def run_once_source() -> Any:
    """The heart of asyncio's loop, from the running interpreter: where callbacks run."""
    from asyncio import base_events

    from ...core.source import source_of

    try:
        return source_of(
            base_events.BaseEventLoop._run_once,
            start=r"This is the only place where callbacks are actually",
            end=r"^\s+handle = None",
            mark=r"_ready\.popleft|handle\._run",
        )
    except ValueError:  # a future version words it differently: show the whole method
        return source_of(base_events.BaseEventLoop._run_once, mark=r"_ready|_run\(\)")
