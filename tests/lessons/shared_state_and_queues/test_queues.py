"""Producer–consumer pipelines: every item exactly once, clean shutdown, exact queue lengths."""

from __future__ import annotations

import itertools
import queue
import threading

import pytest
from matplotlib.figure import Figure

from helpers.lessons.shared_state_and_queues.queues import (
    STOP,
    RecordingQueue,
    explore_pipeline,
    has_shutdown,
    join_queue,
    run_pipeline,
)


def _threads() -> set[int]:
    return {t.ident for t in threading.enumerate() if t.ident is not None}


@pytest.mark.parametrize(("producers", "consumers", "maxsize"), [(1, 1, 0), (2, 3, 2), (3, 2, 1)])
def test_every_item_once_and_every_consumer_stops(
    producers: int, consumers: int, maxsize: int
) -> None:
    before = _threads()
    run = run_pipeline(producers, consumers, 25, 1, 2, maxsize)
    assert [s.index for s in run.consumed] == list(range(25))
    assert [s.index for s in run.produced] == list(range(25))
    assert run.stops_seen == {f"consumer {n + 1}": 1 for n in range(consumers)}
    assert _threads() <= before  # nothing left running
    if maxsize:
        assert run.max_length <= maxsize


def test_each_item_is_produced_before_it_is_consumed() -> None:
    run = run_pipeline(2, 2, 20, 1, 1, 3)
    made = {s.index: s.end for s in run.produced}
    assert all(made[s.index] <= s.start for s in run.consumed)


def test_queue_lengths_are_exact_and_ignore_sentinels() -> None:
    run = run_pipeline(1, 3, 12, 0, 0, 0)
    counts = [n for _, n in run.lengths]
    assert counts[0] == 0 and counts[-1] == 0
    assert all(n >= 0 for n in counts)
    steps = [b - a for a, b in itertools.pairwise(counts)]
    assert all(step in (-1, 1) for step in steps)
    assert steps.count(1) == steps.count(-1) == 12  # sentinels are not counted


def test_slow_consumers_fill_a_bounded_queue_and_block_the_producer() -> None:
    # 1 producer at 1 ms vs 1 consumer at 30 ms: after the first item the queue is full
    # long before the consumer takes the next, whatever the machine's load.
    run = run_pipeline(1, 1, 8, 1, 30, 2)
    assert run.bottleneck == "consumers"
    assert run.max_length == 2
    blocked = sum(s.end - s.running[0][1] for s in run.produced)  # in put(), queue full
    assert blocked > 0


def test_slow_producers_leave_consumers_idle() -> None:
    run = run_pipeline(1, 2, 6, 10, 1, 4)
    assert run.bottleneck == "producers"
    busy = sum(s.duration for s in run.consumed)
    assert run.consumers * run.wall - busy > 0  # consumers waited for items in get()


def test_capacities_and_describe() -> None:
    run = run_pipeline(2, 3, 6, 20, 100, 10)
    assert run.producer_capacity == pytest.approx(100.0)
    assert run.consumer_capacity == pytest.approx(30.0)
    assert "maxsize=10" in run.describe()
    assert run.throughput > 0


@pytest.mark.skipif(not has_shutdown(), reason="Queue.shutdown() needs Python 3.13+")
def test_shutdown_stops_consumers() -> None:
    run = run_pipeline(2, 3, 15, 1, 1, 2, stop="shutdown")
    assert [s.index for s in run.consumed] == list(range(15))
    assert sorted(run.stops_seen.values()) == [1, 1, 1]


@pytest.mark.skipif(has_shutdown(), reason="this Python has Queue.shutdown()")
def test_shutdown_is_refused_before_313() -> None:
    with pytest.raises(ValueError, match=r"3\.13"):
        run_pipeline(stop="shutdown")


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"producers": 0}, ValueError, "producers"),
        ({"consumers": 1.5}, TypeError, "consumers"),
        ({"items": 0}, ValueError, "items"),
        ({"maxsize": -1}, ValueError, "maxsize"),
        ({"produce_ms": -1}, ValueError, "produce_ms"),
        ({"process_ms": "fast"}, TypeError, "process_ms"),
        ({"stop": "pill"}, ValueError, "stop"),
        ({"stop": None}, TypeError, "stop"),
    ],
)
def test_pipeline_validates(kwargs: dict[str, object], error: type[Exception], name: str) -> None:
    with pytest.raises(error, match=name):
        run_pipeline(**kwargs)  # type: ignore[arg-type]


def test_a_pipeline_that_cannot_finish_times_out_and_cleans_up() -> None:
    before = _threads()
    with pytest.raises(TimeoutError, match="did not finish"):
        run_pipeline(1, 1, 50, 0, 20, 1, timeout=0.2)
    assert _threads() <= before


def test_join_queue_is_bounded() -> None:
    q: queue.Queue[int] = queue.Queue()
    q.put(1)
    assert join_queue(q, 0.05) is False
    q.get()
    q.task_done()
    assert join_queue(q, 0.05) is True


def test_recording_queue_keeps_fifo_and_counts_only_work() -> None:
    q = RecordingQueue(uncounted=STOP)
    for item in (1, STOP, 2):
        q.put(item)
    assert [q.get() for _ in range(3)] == [1, STOP, 2]
    assert [n for _, n in q.lengths] == [0, 1, 2, 1, 0]


def test_explorer_draws_three_labelled_panels() -> None:
    seen: list[tuple[int, int]] = []
    fig, run = explore_pipeline(1, 2, 10, 1, 3, 2, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(fig, Figure)
    timeline, lengths, done = fig.axes[:3]
    assert "ms" in timeline.get_xlabel() and "ms" in lengths.get_xlabel()
    assert "items" in lengths.get_ylabel() and "items" in done.get_ylabel()
    assert seen and seen[-1] == (10, 10)
    assert len(run.consumed) == 10
