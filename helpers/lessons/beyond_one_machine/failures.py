"""A worker process killed in the middle of a task: the scheduler runs the task again elsewhere.

:func:`kill_mid_task` starts a cluster, submits tasks that note which process runs them
(:func:`child.marked_nap`), waits until one of them is running, kills that worker's process
with ``SIGKILL`` (no clean-up, like a machine that loses power), and collects every result.
The nanny notices, starts a new worker process, and the scheduler reschedules the lost task.
Everything is bounded; the cluster is closed by its ``with`` block whatever happens.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core.domains import Int, Of, Seconds, validated
from ...core.spans import Span
from ...draw.plots import finish, new_figure
from ...draw.timeline import draw_spans
from . import child
from .cluster import course_cluster, gather

_BOUND_S = 60.0


@dataclass(frozen=True)
class KillReport:
    """What happened: who was killed, what came back, and the killed task's story."""

    tasks: int
    results: tuple[tuple[int, int], ...]  # (item, pid that finished it)
    killed_item: int
    victim_pid: int
    attempts: dict[int, tuple[int, ...]]  # item -> pids that started it, in order
    transitions: tuple[tuple[str, str], ...]  # the killed task on the scheduler
    spans: tuple[Span, ...]
    t0: float

    @property
    def nothing_lost(self) -> bool:
        return sorted(item for item, _ in self.results) == list(range(self.tasks))

    @property
    def rerun_pid(self) -> int:
        return dict(self.results)[self.killed_item]


def _notes(folder: Path) -> list[tuple[int, int, float]]:
    """``(item, pid, start time)`` of every task start noted so far, in order of time."""
    found = []
    for note in folder.iterdir():
        item, _, _ = note.name.split("-")
        try:
            pid_text, started = note.read_text().split()
        except ValueError:  # being written right now
            continue
        found.append((int(item), int(pid_text), float(started)))
    return sorted(found, key=lambda n: n[2])


def _story(client: Any, cluster: Any, key: str) -> tuple[tuple[str, str], ...]:
    """The scheduler's transitions of ``key``: (from, to) states, in order."""
    try:
        story = cluster.scheduler.story(key)
    except AttributeError:
        story = client.story(key) if hasattr(client, "story") else []
    pairs = []
    for event in story:
        if len(event) >= 3 and isinstance(event[1], str) and isinstance(event[2], str):
            pairs.append((event[1], event[2]))
    return tuple(pairs)


def _task_spans(records: list[dict[str, Any]], pids: dict[str, int]) -> list[Span]:
    """Completed tasks from ``client.get_task_stream()``, as spans (``time.time`` clock)."""
    spans = []
    for record in records:
        computes = [s for s in record.get("startstops", ()) if s.get("action") == "compute"]
        if not computes:
            continue
        start, end = computes[0]["start"], computes[-1]["stop"]
        item = int(str(record["key"]).rsplit("-", 1)[-1]) if "-" in str(record["key"]) else 0
        pid = pids.get(record.get("worker", ""), 0)
        spans.append(
            Span(
                item,
                start,
                end,
                tuple((c["start"], c["stop"]) for c in computes),
                f"pid {pid}" if pid else str(record.get("worker", "?")),
            )
        )
    return spans


@validated
def kill_mid_task(
    tasks: Annotated[int, Int(2, 64)] = 6,
    seconds: Annotated[float, Seconds(10)] = 0.4,
) -> KillReport:
    """Run ``tasks`` naps of ``seconds`` on a cluster; kill the worker running the first one."""
    from dask.distributed import get_task_stream

    folder = Path(tempfile.mkdtemp(prefix="lab-kill-"))
    try:
        with course_cluster() as (cluster, client), get_task_stream(client) as stream:
            pids = dict(client.run(os.getpid))
            t0 = time.time()
            futures = client.map(
                child.marked_nap,
                range(tasks),
                [seconds] * tasks,
                [str(folder)] * tasks,
                pure=False,
            )
            deadline = time.monotonic() + _BOUND_S
            started = []
            while not (started := [n for n in _notes(folder) if n[0] == 0]):
                if time.monotonic() > deadline:
                    raise TimeoutError("the first task never started")
                time.sleep(0.01)
            _, victim, victim_start = started[0]
            time.sleep(seconds / 4)  # well inside the task
            killed_at = time.time()
            os.kill(victim, getattr(signal, "SIGKILL", signal.SIGTERM))
            results = tuple(gather(client, futures, timeout=_BOUND_S))
            transitions = _story(client, cluster, futures[0].key)
            pids.update(dict(client.run(os.getpid)))
            futures.clear()
        notes = _notes(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    attempts: dict[int, list[int]] = {}
    for item, pid, _ in notes:
        attempts.setdefault(item, []).append(pid)
    by_pid = {pid: address for address, pid in pids.items()}
    spans = _task_spans(stream.data, {a: p for p, a in by_pid.items()})
    spans.append(
        Span(0, victim_start, killed_at, ((victim_start, killed_at),), f"pid {victim}", "killed")
    )
    return KillReport(
        tasks,
        results,
        0,
        victim,
        {item: tuple(p) for item, p in attempts.items()},
        transitions,
        tuple(sorted(spans, key=lambda s: (s.row, s.start))),
        t0,
    )


@validated
def draw_kill(report: Annotated[KillReport, Of(KillReport)]) -> Figure:
    """The tasks by worker process, with the killed attempt cut short."""
    rows = sorted({s.row for s in report.spans})
    fig, (ax,) = new_figure(width=8.5, height=1.2 + 0.45 * len(rows))
    draw_spans(ax, report.spans, report.t0, legend=("running a task", ""))
    for span in report.spans:
        if span.note == "killed":
            y = [label.get_text() for label in ax.get_yticklabels()].index(span.row)
            ax.annotate(
                "killed",
                ((span.end - report.t0) * 1e3, y),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize="small",
                color="#D55E00",
            )
    finish(
        ax,
        xlabel="time since the tasks were submitted (ms)",
        ylabel="",
        title=f"task 0 was running in pid {report.victim_pid} when it was killed; "
        f"it ran again in pid {report.rerun_pid}",
    )
    return fig
