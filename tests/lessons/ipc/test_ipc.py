"""helpers.ipc: the functions notebook 09's children run, and the IPC measurements.

Process code runs under the platform's default start method and under ``spawn``. Every test
checks that no process, thread or shared-memory segment outlives it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import textwrap
import time
from multiprocessing import shared_memory

import pytest
from matplotlib.figure import Figure

from helpers.core import leftovers, machine, timing
from helpers.lessons.ipc import ipc

METHODS = ["default", "spawn"]


@pytest.fixture(params=METHODS)
def ctx(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> object:
    """The course's context, under the platform default and under spawn."""
    if request.param == "default":
        monkeypatch.delenv(machine.START_METHOD_ENV, raising=False)
    else:
        monkeypatch.setenv(machine.START_METHOD_ENV, request.param)
    return machine.mp_context()


@pytest.fixture(autouse=True)
def nothing_left() -> object:
    baseline = leftovers.snapshot()
    yield
    leftovers.assert_nothing_left(baseline)


def test_producer_cannot_exit_before_its_queue_is_drained(ctx: object) -> None:
    q = ctx.Queue()
    put_done = ctx.Event()
    producer = ctx.Process(target=ipc.put_payload, args=(q, 1_000_000, put_done))
    producer.start()
    assert put_done.wait(30)
    producer.join(0.5)
    assert producer.is_alive()  # blocked: its feeder thread cannot flush 1 MB into the pipe
    assert len(q.get(timeout=30)) == 1_000_000
    producer.join(30)
    assert producer.exitcode == 0
    ipc.close_queue(q)


def test_joinable_queue_consumers_mark_every_task(ctx: object) -> None:
    tasks, results = ctx.JoinableQueue(), ctx.Queue()
    consumers = [ctx.Process(target=ipc.square_items, args=(tasks, results)) for _ in range(2)]
    for c in consumers:
        c.start()
    for n in range(6):
        tasks.put(n)
    assert ipc.join_within(tasks, timeout=30)
    for _ in consumers:
        tasks.put(None)
    got = ipc.collect(results, 6, timeout=30)
    assert ipc.join_all(consumers, timeout=30) == [0, 0]
    assert sorted((n, sq) for n, sq, _ in got) == [(n, n * n) for n in range(6)]
    ipc.close_queue(tasks)
    ipc.close_queue(results)


def test_join_within_gives_up_when_tasks_are_unfinished(ctx: object) -> None:
    tasks = ctx.JoinableQueue()
    tasks.put(1)
    assert not ipc.join_within(tasks, timeout=0.2)
    assert tasks.get(timeout=5) == 1
    tasks.task_done()  # lets the helper thread's join() return, so nothing is left behind
    time.sleep(0.1)
    ipc.close_queue(tasks)


def test_simple_queue_and_collect(ctx: object) -> None:
    simple = ctx.SimpleQueue()
    producer = ctx.Process(target=ipc.put_all, args=(simple, ["a", "b"]))
    producer.start()
    producer.join(30)
    items = []
    while not simple.empty():
        items.append(simple.get())
    assert items == ["a", "b"] and producer.exitcode == 0
    simple.close()
    q = ctx.Queue()
    q.put(1)
    with pytest.raises(queue.Empty):
        ipc.collect(q, 2, timeout=0.3)  # only one item: bounded, then Empty
    ipc.close_queue(q)


def test_echo_returns_objects_and_bytes(ctx: object) -> None:
    here, there = ctx.Pipe()
    child = ctx.Process(target=ipc.echo, args=(there,))
    child.start()
    there.close()
    here.send({"x": [1, 2]})
    assert here.poll(10) and here.recv() == {"x": [1, 2]}
    here.send_bytes(b"raw")
    assert here.poll(10) and here.recv_bytes() == b"raw"
    here.send_bytes(b"")
    child.join(30)
    here.close()
    assert child.exitcode == 0


def test_one_way_pipe_ends_with_eof(ctx: object) -> None:
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=ipc.count_down, args=(reader, writer, 3))
    child.start()
    writer.close()
    numbers = []
    with pytest.raises(EOFError):
        while reader.poll(10):
            numbers.append(reader.recv())
    child.join(30)
    reader.close()
    assert numbers == [3, 2, 1] and child.exitcode == 0


def test_a_shared_pipe_end_needs_a_lock(ctx: object) -> None:
    safe = ipc.share_one_pipe_end(writers=2, messages=20, guarded=True)
    assert (safe.intact, safe.corrupted, safe.error) == (safe.sent, 0, None)
    if os.name == "posix":
        unsafe = ipc.share_one_pipe_end(writers=2, messages=40, guarded=False)
        assert unsafe.intact < unsafe.sent
        assert unsafe.corrupted > 0 or unsafe.error is not None
    with pytest.raises(ValueError, match="writers"):
        ipc.share_one_pipe_end(writers=9)


def test_manager_work_updates_every_proxy(ctx: object) -> None:
    with ctx.Manager() as manager:
        counts = manager.dict({"total": 0})
        log = manager.list()
        status = manager.Namespace(finished=0)
        lock = manager.Lock()
        workers = [
            ctx.Process(target=ipc.manager_work, args=(counts, log, status, lock, i, 20))
            for i in range(2)
        ]
        for w in workers:
            w.start()
        assert ipc.join_all(workers, timeout=60) == [0, 0]
        assert counts["total"] == 40 and status.finished == 2 and len(log) == 2


def test_add_many_with_the_lock_loses_nothing(ctx: object) -> None:
    counter = ctx.Value("i", 0)
    start_line = ctx.Barrier(3)
    adders = [
        ctx.Process(target=ipc.add_many, args=(counter, 5_000, True, start_line)) for _ in range(2)
    ]
    for a in adders:
        a.start()
    start_line.wait(30)
    assert ipc.join_all(adders, timeout=60) == [0, 0]
    assert counter.value == 10_000


def test_add_many_unlocked_never_touches_a_lock(ctx: object) -> None:
    raw = ctx.RawValue("i", 0)  # no get_lock(): only the unlocked path can use it
    ipc.add_many(raw, 10, False)
    assert raw.value == 10
    with pytest.raises(AttributeError):
        ipc.add_many(raw, 1, True)


def test_array_slices_and_shared_memory(ctx: object) -> None:
    values = ctx.Array("d", 6, lock=False)
    fillers = [
        ctx.Process(target=ipc.fill_slice, args=(values, 3 * i, 3 * i + 3, i + 1.0))
        for i in range(2)
    ]
    for f in fillers:
        f.start()
    assert ipc.join_all(fillers, timeout=30) == [0, 0]
    assert values[:] == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]

    block = shared_memory.SharedMemory(create=True, size=4096)
    try:
        writer = ctx.Process(target=ipc.fill_shared, args=(block.name, 4096, 3))
        writer.start()
        writer.join(30)
        assert writer.exitcode == 0 and bytes(block.buf[:4]) == b"\x03\x03\x03\x03"
        assert ipc.shared_sum(block.name, 4096) == 3 * 4096
    finally:
        block.close()
        block.unlink()

    items = shared_memory.ShareableList([1, 2.5, "ab", None, True])
    try:
        child = ctx.Process(target=ipc.update_shareable, args=(items.shm.name,))
        child.start()
        child.join(30)
        assert list(items) == [2, 5.0, "AB", None, True]
    finally:
        items.shm.close()
        items.shm.unlink()


def _run_sync(ctx: object, target: object, primitive: object, count: int) -> list:
    out = ctx.Queue()
    start_line = ctx.Barrier(count + 1)
    children = [
        ctx.Process(target=target, args=(primitive, i, 0.05, out, start_line)) for i in range(count)
    ]
    for c in children:
        c.start()
    start_line.wait(30)
    records = ipc.collect(out, count, timeout=30)
    assert ipc.join_all(children, timeout=30) == [0] * count
    ipc.close_queue(out)
    return records


def test_lock_and_semaphore_limit_holders(ctx: object) -> None:
    lock_records = _run_sync(ctx, ipc.hold, ctx.Lock(), 3)
    assert all(r.ok for r in lock_records)
    assert timing.max_overlap((r.got, r.done) for r in lock_records) == 1
    semaphore_records = _run_sync(ctx, ipc.hold, ctx.Semaphore(2), 4)
    assert timing.max_overlap((r.got, r.done) for r in semaphore_records) <= 2
    # Each child held it 50 ms; four children through two permits need at least two rounds.
    span = max(r.done for r in semaphore_records) - min(r.got for r in semaphore_records)
    assert span >= 0.1
    fig = ipc.plot_sync({"Lock": lock_records, "Semaphore": semaphore_records})
    assert isinstance(fig, Figure)


def test_event_and_barrier_release_together(ctx: object) -> None:
    event, out = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=ipc.wait_for_event, args=(event, i, out)) for i in range(2)]
    for c in children:
        c.start()
    time.sleep(0.2)
    set_at = time.perf_counter()
    event.set()
    records = ipc.collect(out, 2, timeout=30)
    ipc.join_all(children)
    assert all(r.ok and r.got >= set_at for r in records)

    barrier = ctx.Barrier(3)
    children = [
        ctx.Process(target=ipc.meet_at_barrier, args=(barrier, i, 0.05 * i, out)) for i in range(3)
    ]
    for c in children:
        c.start()
    records = ipc.collect(out, 3, timeout=30)
    ipc.join_all(children)
    assert all(r.ok for r in records)
    assert min(r.got for r in records) >= max(r.asked for r in records)
    ipc.close_queue(out)


def test_join_all_stops_what_does_not_finish(ctx: object) -> None:
    from helpers.lessons.multiprocessing import procs

    sleeper = ctx.Process(target=procs.sleep_then_exit, args=(60,))
    sleeper.start()
    (code,) = ipc.join_all([sleeper], timeout=0.2)
    assert code is not None and code < 0


def test_operation_costs_cover_every_family() -> None:
    costs = ipc.operation_costs(repeats=40)
    assert len(costs) == 9 and len({c.name for c in costs}) == 9
    assert {c.group for c in costs} == {"no sharing", "shared memory", "messages", "server process"}
    assert all(c.seconds > 0 for c in costs)
    assert isinstance(ipc.plot_operation_costs(costs), Figure)
    with pytest.raises(ValueError, match="repeats"):
        ipc.operation_costs(repeats=0)


def test_measure_ipc_returns_plain_data(ctx: object) -> None:
    results = ipc.measure_ipc(sizes=[64, 4096], count=5)
    assert [(r.mechanism, r.size) for r in results] == [
        (m, s) for m in ipc.MECHANISMS for s in (64, 4096)
    ]
    assert all(r.count == 5 and len(r.round_trips) == 5 for r in results)
    assert all(r.latency > 0 and r.throughput > 0 for r in results)
    assert all(r.start_method == ctx.get_start_method() for r in results)
    assert isinstance(ipc.plot_ipc(results), Figure)


def test_measure_ipc_sends_fewer_big_messages() -> None:
    assert ipc.messages_for(64, 100, 1024) == 16
    assert ipc.messages_for(1 << 20, 100, 1024) == 3  # never fewer than three
    (result,) = ipc.measure_ipc(["pipe"], [1 << 20], 100, budget_bytes=4 << 20)
    assert result.count == 4


def test_measure_ipc_validates() -> None:
    with pytest.raises(ValueError, match="mechanisms"):
        ipc.measure_ipc(["carrier pigeon"])
    with pytest.raises(ValueError, match="sizes"):
        ipc.measure_ipc(sizes=[0])
    with pytest.raises(TypeError, match="count"):
        ipc.measure_ipc(count=True)
    with pytest.raises(ValueError, match="mechanisms"):
        ipc.measure_ipc([])


def test_explore_ipc_one_mechanism() -> None:
    fig, results = ipc.explore_ipc(size=1024, count=5, mechanism="shared_memory")
    assert isinstance(fig, Figure)
    assert [(r.mechanism, r.size, r.count) for r in results] == [("shared_memory", 1024, 5)]
    with pytest.raises(ValueError, match="mechanism"):
        ipc.explore_ipc(mechanism="smoke signals")


def test_size_label() -> None:
    assert [ipc.size_label(s) for s in (64, 1024, 16 * 1024, 1 << 20)] == [
        "64 B",
        "1 KiB",
        "16 KiB",
        "1 MiB",
    ]


def test_no_resource_tracker_warning_under_spawn(tmp_path: object) -> None:
    """A whole program using shared memory from children exits without a leak warning."""
    script = textwrap.dedent(
        """
        from multiprocessing import shared_memory
        from helpers.lessons.ipc import ipc
        from helpers.core import machine

        if __name__ == "__main__":
            ctx = machine.mp_context("spawn")
            block = shared_memory.SharedMemory(create=True, size=1024)
            try:
                child = ctx.Process(target=ipc.fill_shared, args=(block.name, 1024, 1))
                child.start()
                child.join(30)
                assert child.exitcode == 0
            finally:
                block.close()
                block.unlink()
            ipc.measure_ipc(["shared_memory"], [256], 3, start_method="spawn")
            print("done")
        """
    )
    path = tmp_path / "program.py"  # type: ignore[operator]
    path.write_text(script)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "done" in done.stdout
    assert "resource_tracker" not in done.stderr and "leaked" not in done.stderr


def test_ipc_explorer_runs_its_controls() -> None:
    explorer = ipc.ipc_explorer(size=1024, count=10)
    explorer.controls["mechanism"].value = "pipe"
    figure = explorer.run()
    assert explorer.error is None and isinstance(figure, Figure)
    assert [(r.mechanism, r.size, r.count) for r in explorer.data] == [("pipe", 1024, 10)]
