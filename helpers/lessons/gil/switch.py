"""The switch interval: set it safely, and measure what it changes and what it does not.

``sys.setswitchinterval`` changes the interval of the GIL the calling interpreter uses: one per
process in 3.10 and 3.11, one per GIL since 3.12 (PEP 684). A notebook runs in the main
interpreter, so every thread of the kernel shares it; every demo here changes it inside
:func:`switch_interval`, which always puts the old value back. On a build running without the
GIL the value is kept but has no effect (:func:`switch_interval_applies`).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ...core import machine
from ...core.domains import Int, Items, Millis, Progress, Seconds, validated
from ...core.lifecycle import start_thread, stop
from ...core.timing import RunResult, TaskMs, run_tasks
from ...core.workloads import spin
from ...draw.plots import IDEAL_STYLE, PALETTE, finish
from .figures import mosaic, plot_turns
from .turns import Threads, Turn, handoffs, turns_of

#: Switch intervals (ms) the demo accepts: below 1 ms the timeline cannot see the pauses (gaps
#: shorter than ``workloads.PAUSE_THRESHOLD_S`` are not recorded); above 100 ms it gets slow.
SWITCH_MS_RANGE = (1, 100)
SwitchIntervalsMs = Annotated[
    Sequence[float], Items(Millis(*SWITCH_MS_RANGE), what="switch interval")
]


@validated
@contextmanager
def switch_interval(seconds: Annotated[float, Seconds(1.0)]) -> Iterator[float]:
    """Set ``sys.setswitchinterval(seconds)`` for the block; always restore the old value.

    The setting is shared by every thread of this interpreter (the Jupyter kernel's own
    included), so a demo must never leave it changed. Yields the previous value.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield previous
    finally:
        sys.setswitchinterval(previous)


def switch_interval_applies() -> bool:
    """Whether the switch interval changes anything here: only while the GIL is enabled.

    Without the GIL nothing is handed over: ``sys.setswitchinterval`` still stores the value
    (and ``sys.getswitchinterval`` returns it), but the operating system alone decides which
    thread runs when.
    """
    return machine.gil_enabled()


def _spin_until(halt: threading.Event) -> None:
    while not halt.is_set():
        spin(2_000)  # about 0.1 ms of pure Python between checks of the flag


@validated
def wakeup_delays(
    samples: Annotated[int, Int(1, 1_000)] = 10,
    sleep_ms: Annotated[float, Millis(1, 2_000)] = 1.0,
) -> list[float]:
    """Sleep ``samples`` times while another thread runs pure Python; return how late (seconds)
    each wake-up was, beyond the requested sleep.

    With the GIL, a thread that wakes up must get the GIL back before it can run. The spinning
    thread does not give it up on its own, so the sleeper waits one switch interval, then asks
    for it, and gets it at the spinner's next check for such requests. Without the GIL the
    sleeper waits only for a core.
    """
    sleep_s = sleep_ms / 1e3
    halt = threading.Event()
    spinner = start_thread(lambda: _spin_until(halt), "lab-spinner")
    delays = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            time.sleep(sleep_s)
            delays.append(max(time.perf_counter() - start - sleep_s, 0.0))
    finally:
        halt.set()
        stop([spinner], 5).check("the spinning thread")
    return delays


@dataclass(frozen=True)
class SwitchRun:
    """What one switch interval did to two CPU-bound threads and to a thread that sleeps."""

    interval: float  # seconds
    run: RunResult
    turns: tuple[Turn, ...]
    delays: tuple[float, ...]

    @property
    def handoffs(self) -> int:
        return handoffs(self.turns)

    @property
    def median_turn(self) -> float:
        """Typical length of a turn (seconds), leaving out the first and last, which are cut."""
        inner = self.turns[1:-1] or self.turns
        return statistics.median(t.duration for t in inner) if inner else 0.0

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else 0.0


@validated
def switch_interval_demo(
    intervals_ms: SwitchIntervalsMs = (2, 5, 20),
    threads: Threads = 2,
    task_ms: TaskMs = 60,
    wakeups: Annotated[int, Int(1, 100)] = 10,
    *,
    progress: Progress = None,
) -> tuple[Figure, list[SwitchRun]]:
    """For each switch interval: who ran Python when (left), and the typical turn length and
    wake-up delay of a sleeping thread (right). The interval is always restored.

    Runs without the GIL too, where it shows that the interval changes nothing.
    """
    seconds = task_ms / 1e3
    runs: list[SwitchRun] = []
    for step, interval_ms in enumerate(intervals_ms, start=1):
        with switch_interval(interval_ms / 1e3):
            result = run_tasks("cpu", "threads", threads, tasks=threads, task_seconds=seconds)
            delays = wakeup_delays(wakeups)
        runs.append(SwitchRun(interval_ms / 1e3, result, tuple(turns_of(result)), tuple(delays)))
        if progress is not None:
            progress(step, len(intervals_ms))

    names = [f"run{i}" for i in range(len(runs))]
    fig, axes = mosaic(
        [[name, "summary"] for name in names],
        width=13,
        height=max(3.6, len(runs) * (0.9 + 0.4 * (threads + 1))),
    )
    longest = max(r.run.wall for r in runs) * 1e3 * 1.02
    applies = switch_interval_applies()
    for name, sr in zip(names, runs, strict=True):
        # Without the GIL the threads' pieces overlap: counting "hand-overs" would mean nothing.
        handed = f", {sr.handoffs} hand-overs" if applies else ""
        plot_turns(
            sr.run,
            ax=axes[name],
            title=(
                f"switch interval {sr.interval * 1e3:g} ms: {sr.run.wall * 1e3:.0f} ms in all"
                + handed
            ),
        )
        axes[name].set_xlim(0, longest)  # same time scale everywhere, to compare totals
        if name != names[-1]:
            axes[name].set_xlabel("")  # one time axis label, under the last timeline
    _plot_switch_summary(axes["summary"], runs)
    return fig, runs


def _plot_switch_summary(ax: Axes, runs: Sequence[SwitchRun]) -> None:
    xs = [r.interval * 1e3 for r in runs]

    def ms(values: Sequence[float]) -> list[float]:
        return [max(v * 1e3, 0.01) for v in values]  # a log axis cannot show 0

    ax.plot(xs, xs, label="y = switch interval", **IDEAL_STYLE)
    series = [
        ("typical turn of a CPU-bound thread", [r.median_turn for r in runs], "o"),
        ("typical wake-up delay of a sleeping thread", [r.median_delay for r in runs], "s"),
        ("total time of the CPU-bound work", [r.run.wall for r in runs], "^"),
    ]
    for i, (label, values, marker) in enumerate(series):
        if i == 0 and not switch_interval_applies():
            continue  # threads that run side by side take no turns
        ax.plot(xs, ms(values), marker=marker, color=PALETTE[i], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())
    finish(
        ax,
        xlabel="switch interval (ms, log scale)",
        ylabel="time (ms, log scale)",
        title=(
            "What the switch interval changes, and what it does not"
            if switch_interval_applies()
            else "No GIL here: the switch interval changes nothing"
        ),
        legend="center left",  # the lines leave that area free
    )
