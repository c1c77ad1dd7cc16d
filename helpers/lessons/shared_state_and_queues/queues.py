"""Producer–consumer pipelines on ``queue.Queue``, shut down cleanly, and measured over time.

The pipeline: ``producers`` threads each make items (``produce_ms`` each) and ``put`` them on
one queue; ``consumers`` threads ``get`` items and process them (``process_ms`` each). Making
and processing are waits (``time.sleep``), standing for network or disk calls, so threads
overlap them even under the GIL.

Every blocking call here has a bound: puts and gets carry a timeout computed from one overall
deadline, threads are stopped with :func:`helpers.core.lifecycle.stop` within it, and
consumers stop on a sentinel (one per consumer) or on ``Queue.shutdown()`` (Python 3.13+).
Every item's time in a stage is a :class:`helpers.core.spans.Span`, drawn on the timeline.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ...core import lifecycle
from ...core.domains import Choice, Int, Millis, Of, Progress, Timeout, validated
from ...core.spans import Span
from ...core.timing import RunTimeout
from ...draw.explore import run_then_draw
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, colour, finish, new_figure
from ...draw.style import figure_size
from ...draw.timeline import draw_rows

#: How consumers learn that no more items will come.
STOP_METHODS: dict[str, str] = {
    "sentinel": "one sentinel per consumer",
    "shutdown": "Queue.shutdown() (Python 3.13+)",
}

#: ``queue.ShutDown`` exists from Python 3.13; before that nothing raises it.
ShutDown: type[Exception] = getattr(queue, "ShutDown", type("ShutDown", (Exception,), {}))

#: What a pipeline run may be given: threads per stage, items, a stage's time per item (0: it
#: takes no time of its own), the queue's capacity (0: unbounded), and how consumers stop.
Producers = Annotated[int, Int(1, 8)]
Consumers = Annotated[int, Int(1, 16)]
PipelineItems = Annotated[int, Int(1, 1_000)]
StageMs = Annotated[float, Millis(0, 1_000)]
MaxSize = Annotated[int, Int(0, 1_000)]
StopMethod = Annotated[str, Choice(STOP_METHODS)]


class _Stop:
    """The sentinel: a unique object no producer can ever make by accident."""

    def __repr__(self) -> str:
        return "STOP"


STOP = _Stop()
_NOTHING = object()


def has_shutdown() -> bool:
    """Whether this Python's ``queue.Queue`` has ``shutdown()`` (added in 3.13)."""
    return hasattr(queue.Queue, "shutdown")


@validated
def join_queue(q: Annotated[queue.Queue[Any], Of(queue.Queue)], timeout: Timeout) -> bool:
    """``q.join()`` with a bound: wait until every item put has been marked ``task_done``.

    ``Queue.join()`` has no timeout parameter, so this waits on the same condition it uses
    (``all_tasks_done``, under the queue's own mutex). Returns False if ``timeout`` ran out;
    ``timeout=0`` does not wait, it only says whether every item is done already.
    """
    with q.all_tasks_done:
        return q.all_tasks_done.wait_for(lambda: q.unfinished_tasks == 0, timeout)


class RecordingQueue(queue.Queue):  # type: ignore[type-arg]
    """A ``Queue`` that notes how many items wait in it, with a timestamp, after every put/get.

    ``Queue`` calls ``_put`` and ``_get`` with its mutex held (``LifoQueue`` and
    ``PriorityQueue`` override exactly these two), so every length recorded here is exact.
    Items that are ``uncounted`` (the sentinel) are left out: they are not work.
    """

    @validated
    def __init__(
        self, maxsize: Annotated[int, Int(0)] = 0, *, uncounted: object = _NOTHING
    ) -> None:
        # 0 means unbounded, as for queue.Queue; a negative maxsize is a mistake here.
        super().__init__(maxsize)
        self.uncounted = uncounted
        self.waiting = 0
        self.lengths: list[tuple[float, int]] = [(time.perf_counter(), 0)]

    def _put(self, item: Any) -> None:
        super()._put(item)
        if item is not self.uncounted:
            self.waiting += 1
            self.lengths.append((time.perf_counter(), self.waiting))

    def _get(self) -> Any:
        item = super()._get()
        if item is not self.uncounted:
            self.waiting -= 1
            self.lengths.append((time.perf_counter(), self.waiting))
        return item


@dataclass(frozen=True)
class PipelineRun:
    """What happened in one pipeline run: every item's spans and the queue length over time.

    Each span's ``index`` is the item, its ``row`` the thread (``"producer 1"``, ...). For a
    producer, ``start``..``end`` runs from starting to make the item to ``put`` returning;
    ``running`` is the making part, so the rest of the bar is time blocked in a full queue.
    For a consumer, the span is the processing (``running`` covers all of it).
    """

    producers: int
    consumers: int
    items: int
    produce_ms: float
    process_ms: float
    maxsize: int
    stop: str
    t0: float
    wall: float
    produced: tuple[Span, ...]
    consumed: tuple[Span, ...]
    lengths: tuple[tuple[float, int], ...]
    stops_seen: dict[str, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Items processed per second over the whole run."""
        return self.items / self.wall if self.wall > 0 else float("inf")

    @property
    def producer_capacity(self) -> float:
        """Items per second the producers could make if they never had to wait for space."""
        return self.producers * 1e3 / self.produce_ms if self.produce_ms else float("inf")

    @property
    def consumer_capacity(self) -> float:
        """Items per second the consumers could process if they never had to wait for items."""
        return self.consumers * 1e3 / self.process_ms if self.process_ms else float("inf")

    @property
    def bottleneck(self) -> str:
        """The slower stage: ``"producers"`` or ``"consumers"`` (``"balanced"`` when equal)."""
        if self.producer_capacity < self.consumer_capacity:
            return "producers"
        if self.consumer_capacity < self.producer_capacity:
            return "consumers"
        return "balanced"

    @property
    def max_length(self) -> int:
        return max(n for _, n in self.lengths)

    def describe(self) -> str:
        size = "unbounded" if self.maxsize == 0 else f"maxsize={self.maxsize}"
        return (
            f"{self.producers} producer(s) x {self.produce_ms:g} ms, "
            f"{self.consumers} consumer(s) x {self.process_ms:g} ms, {self.items} items, {size}"
        )


def _rate(workers: int, ms: float) -> str:
    return "without limit" if ms == 0 else f"{workers * 1e3 / ms:.0f} items/s"


def _slower(run: PipelineRun) -> str:
    return {"balanced": "neither (balanced)"}.get(run.bottleneck, f"the {run.bottleneck}")


@validated
def run_pipeline(
    producers: Producers = 1,
    consumers: Consumers = 2,
    items: PipelineItems = 30,
    produce_ms: StageMs = 10,
    process_ms: StageMs = 30,
    maxsize: MaxSize = 4,
    *,
    stop: StopMethod = "sentinel",
    timeout: RunTimeout = None,
    progress: Progress = None,
) -> PipelineRun:
    """Run the pipeline once and record everything. Items are the numbers ``0..items-1``.

    ``maxsize=0`` means an unbounded queue; ``produce_ms=0`` or ``process_ms=0`` a stage that
    takes no time of its own. ``stop`` is ``"sentinel"`` (the main thread puts
    one :data:`STOP` per consumer once every producer is done) or ``"shutdown"`` (it calls
    ``q.shutdown()``, and each consumer's ``get`` raises ``queue.ShutDown`` once the queue is
    empty). Raises ``TimeoutError`` if the run does not finish within ``timeout`` seconds.
    """
    if stop == "shutdown" and not has_shutdown():
        raise ValueError("stop='shutdown' needs Python 3.13+ (Queue.shutdown); use 'sentinel'")
    make_s, work_s = produce_ms / 1e3, process_ms / 1e3
    if timeout is None:
        serial = items * (make_s + work_s)
        timeout = 10.0 + 3 * serial
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        return max(0.001, deadline - time.monotonic())

    q = RecordingQueue(maxsize, uncounted=STOP)
    produced: list[Span] = []
    consumed: list[Span] = []
    stops_seen: dict[str, int] = {}
    errors: list[BaseException] = []

    def produce(number: int) -> None:
        name = f"producer {number + 1}"
        try:
            for index in range(number, items, producers):
                start = time.perf_counter()
                time.sleep(make_s)  # making the item (a network call, a file read ...)
                made = time.perf_counter()
                q.put(index, timeout=remaining())  # blocks while the queue is full
                end = time.perf_counter()
                produced.append(Span(index, start, end, ((start, made),), row=name))
        except BaseException as error:  # a Full here means the deadline passed
            errors.append(error)

    def consume(number: int) -> None:
        name = f"consumer {number + 1}"
        try:
            while True:
                try:
                    item = q.get(timeout=remaining())
                except ShutDown:  # shut down and empty: nothing more will come
                    stops_seen[name] = stops_seen.get(name, 0) + 1
                    return
                if item is STOP:
                    q.task_done()
                    stops_seen[name] = stops_seen.get(name, 0) + 1
                    return  # exactly one sentinel per consumer, so never pass it on
                start = time.perf_counter()
                time.sleep(work_s)  # processing the item
                end = time.perf_counter()
                consumed.append(Span(item, start, end, ((start, end),), row=name))
                q.task_done()
        except BaseException as error:  # an Empty here means the deadline passed
            errors.append(error)

    producer_threads = [
        threading.Thread(target=produce, args=(n,), name=f"producer-{n + 1}")
        for n in range(producers)
    ]
    consumer_threads = [
        threading.Thread(target=consume, args=(n,), name=f"consumer-{n + 1}")
        for n in range(consumers)
    ]
    t0 = time.perf_counter()
    q.lengths[0] = (t0, 0)
    for thread in [*consumer_threads, *producer_threads]:
        thread.start()

    def report() -> None:
        if progress is not None:
            progress(len(consumed), items)

    # Wait for the producers, reporting progress from this (the caller's) thread.
    if _wait_for(producer_threads, deadline, report) and not errors:
        if stop == "sentinel":
            for _ in consumer_threads:
                try:
                    q.put(STOP, timeout=remaining())
                except queue.Full as error:
                    errors.append(error)
                    break
        else:
            q.shutdown()  # type: ignore[attr-defined]
    _wait_for(consumer_threads, deadline, report)
    wall = time.perf_counter() - t0

    # Past the deadline every put and get times out within a few ms, so this stop is short.
    stopped = lifecycle.stop([*producer_threads, *consumer_threads], 5.0)
    if not stopped.clean or errors or len(consumed) != items:
        raise TimeoutError(
            f"the pipeline did not finish {items} items within {timeout:g} s "
            f"({len(consumed)} done; {len(stopped.running)} thread(s) still running; errors: "
            f"{[type(e).__name__ for e in errors]})"
        )
    return PipelineRun(
        producers=producers,
        consumers=consumers,
        items=items,
        produce_ms=produce_ms,
        process_ms=process_ms,
        maxsize=maxsize,
        stop=stop,
        t0=t0,
        wall=wall,
        produced=tuple(sorted(produced, key=lambda s: s.index)),
        consumed=tuple(sorted(consumed, key=lambda s: s.index)),
        lengths=tuple(q.lengths),
        stops_seen=dict(stops_seen),
    )


def _wait_for(threads: list[threading.Thread], deadline: float, report: Callable[[], None]) -> bool:
    """Join ``threads`` until ``deadline``, calling ``report()`` every 50 ms or so; True if
    they all ended."""
    while time.monotonic() < deadline:
        ended = lifecycle.stop(threads, min(0.05, max(0.0, deadline - time.monotonic()))).clean
        report()
        if ended:
            return True
    return lifecycle.stop(threads, 0).clean


def _rows(run: PipelineRun) -> list[tuple[str, Sequence[Span]]]:
    """Timeline rows, coloured by stage (``draw_rows`` colours by ``index``)."""
    rows: dict[str, list[Span]] = {f"producer {n + 1}": [] for n in range(run.producers)}
    rows.update({f"consumer {n + 1}": [] for n in range(run.consumers)})
    for stage, spans in enumerate((run.produced, run.consumed)):
        for span in spans:
            rows[span.row].append(replace(span, index=stage))
    return list(rows.items())


def _draw_lengths(ax: Axes, run: PipelineRun) -> None:
    times = [(t - run.t0) * 1e3 for t, _ in run.lengths] + [run.wall * 1e3]
    counts = [n for _, n in run.lengths] + [run.lengths[-1][1]]
    ax.step(times, counts, where="post", color=colour(0), label="items waiting in the queue")
    if run.maxsize:
        ax.axhline(run.maxsize, label=f"maxsize = {run.maxsize}", **LIMIT_STYLE)
    ax.set_ylim(bottom=0, top=max(2, run.max_length, run.maxsize) * 1.15)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    finish(ax, xlabel="time (ms)", ylabel="queue length (items)", title="Queue length over time")


def _draw_progress(ax: Axes, run: PipelineRun) -> None:
    def cumulative(ends: list[float]) -> tuple[list[float], list[int]]:
        ends = sorted(ends)
        return [0.0, *[(t - run.t0) * 1e3 for t in ends]], list(range(len(ends) + 1))

    for i, (label, ends) in enumerate(
        [
            ("put in the queue (produced)", [s.end for s in run.produced]),
            ("processed (consumed)", [s.end for s in run.consumed]),
        ]
    ):
        xs, ys = cumulative(ends)
        ax.step(xs, ys, where="post", color=colour(i), label=label)
    capacity = min(run.producer_capacity, run.consumer_capacity)
    if capacity != float("inf"):
        end_ms = min(run.wall, run.items / capacity) * 1e3
        ax.plot(
            [0, end_ms],
            [0, end_ms * capacity / 1e3],
            label=f"slower stage's capacity ({capacity:.0f} items/s)",
            **IDEAL_STYLE,
        )
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    finish(
        ax,
        xlabel="time (ms)",
        ylabel="items (cumulative)",
        title=f"Throughput: {run.throughput:.0f} items/s (the slope of the lines)",
    )


def plot_pipeline(run: PipelineRun) -> Figure:
    """Three panels over one time axis: who did what (timeline), queue length, items done."""
    workers = run.producers + run.consumers
    fig, (timeline, lengths, done) = new_figure(nrows=3, width=10.0, height=2.4)
    fig.set_size_inches(*figure_size(10.0, 5.2 + 0.35 * workers))
    draw_rows(timeline, _rows(run), run.t0, legend=("", ""))
    timeline.legend(
        handles=[
            Patch(facecolor=colour(0), label="making an item"),
            Patch(facecolor=colour(0), alpha=0.3, label="blocked in put()\n(queue full)"),
            Patch(facecolor=colour(1), label="processing an item"),
        ],
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    finish(
        timeline,
        xlabel="time (ms)",
        ylabel="thread",
        title=(
            f"Producers make {_rate(run.producers, run.produce_ms)}, consumers process "
            f"{_rate(run.consumers, run.process_ms)}: the bottleneck is {_slower(run)}"
        ),
    )
    fig.suptitle(run.describe(), fontsize="large")
    timeline.grid(False, axis="y")
    _draw_lengths(lengths, run)
    _draw_progress(done, run)
    for ax in (timeline, lengths, done):
        ax.set_xlim(0, run.wall * 1e3 * 1.02)
    return fig


@run_then_draw(run_pipeline)
def explore_pipeline(run: PipelineRun) -> Figure:
    """The explorer's compute: :func:`run_pipeline`, then :func:`plot_pipeline`."""
    return plot_pipeline(run)
