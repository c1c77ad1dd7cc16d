"""helpers.lessons.ipc.child: what notebook 09's children run, under the platform's default
start method and under ``spawn``. No test leaves a process, thread or shared-memory segment."""

from __future__ import annotations

import time
from multiprocessing import shared_memory

import pytest
from matplotlib.figure import Figure

from helpers.core import timing
from helpers.core.lifecycle import stop
from helpers.lessons.ipc import child, figures, parent

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_producer_cannot_exit_before_its_queue_is_drained(ctx: object) -> None:
    q = ctx.Queue()
    put_done = ctx.Event()
    producer = ctx.Process(target=child.put_payload, args=(q, 1_000_000, put_done))
    producer.start()
    assert put_done.wait(30)
    producer.join(0.5)
    assert producer.is_alive()  # blocked: its feeder thread cannot flush 1 MB into the pipe
    assert len(q.get(timeout=30)) == 1_000_000
    producer.join(30)
    assert producer.exitcode == 0
    parent.close_queue(q)


def test_joinable_queue_consumers_mark_every_task(ctx: object) -> None:
    tasks, results = ctx.JoinableQueue(), ctx.Queue()
    consumers = [ctx.Process(target=child.square_items, args=(tasks, results)) for _ in range(2)]
    for c in consumers:
        c.start()
    for n in range(6):
        tasks.put(n)
    assert parent.join_within(tasks, timeout=30)
    for _ in consumers:
        tasks.put(None)
    got = parent.collect(results, 6, timeout=30)
    assert stop(consumers, 30).check("consumers").exitcodes == (0, 0)
    assert sorted((n, sq) for n, sq, _ in got) == [(n, n * n) for n in range(6)]
    parent.close_queue(tasks)
    parent.close_queue(results)


def test_echo_returns_objects_and_bytes(ctx: object) -> None:
    here, there = ctx.Pipe()
    echoer = ctx.Process(target=child.echo, args=(there,))
    echoer.start()
    there.close()
    here.send({"x": [1, 2]})
    assert here.poll(10) and here.recv() == {"x": [1, 2]}
    here.send_bytes(b"raw")
    assert here.poll(10) and here.recv_bytes() == b"raw"
    here.send_bytes(b"")
    echoer.join(30)
    here.close()
    assert echoer.exitcode == 0


def test_one_way_pipe_ends_with_eof(ctx: object) -> None:
    reader, writer = ctx.Pipe(duplex=False)
    counter = ctx.Process(target=child.count_down, args=(reader, writer, 3))
    counter.start()
    writer.close()
    numbers = []
    with pytest.raises(EOFError):
        while reader.poll(10):
            numbers.append(reader.recv())
    counter.join(30)
    reader.close()
    assert numbers == [3, 2, 1] and counter.exitcode == 0


def test_stop_terminates_a_child_that_does_not_finish(ctx: object) -> None:
    here, there = ctx.Pipe()
    silent = ctx.Process(target=child.echo, args=(there, 60), name="silent-echo")
    silent.start()
    there.close()
    stopped = stop([silent], 0.2)  # nobody sends: the echo would wait 60 s
    here.close()
    (code,) = stopped.exitcodes
    assert code is not None and code < 0
    assert stopped.terminated == ("silent-echo",) and not stopped.clean


def test_manager_work_updates_every_proxy(ctx: object) -> None:
    with ctx.Manager() as manager:
        counts = manager.dict({"total": 0})
        log = manager.list()
        status = manager.Namespace(finished=0)
        lock = manager.Lock()
        workers = [
            ctx.Process(target=child.manager_work, args=(counts, log, status, lock, i, 20))
            for i in range(2)
        ]
        for w in workers:
            w.start()
        assert stop(workers, 60).check("workers").exitcodes == (0, 0)
        assert counts["total"] == 40 and status.finished == 2 and len(log) == 2


def test_add_many_with_the_lock_loses_nothing(ctx: object) -> None:
    counter = ctx.Value("i", 0)
    start_line = ctx.Barrier(3)
    adders = [
        ctx.Process(target=child.add_many, args=(counter, 5_000, True, start_line))
        for _ in range(2)
    ]
    for a in adders:
        a.start()
    start_line.wait(30)
    assert stop(adders, 60).check("adders").exitcodes == (0, 0)
    assert counter.value == 10_000


def test_add_many_unlocked_never_touches_a_lock(ctx: object) -> None:
    raw = ctx.RawValue("i", 0)  # no get_lock(): only the unlocked path can use it
    child.add_many(raw, 10, False)
    assert raw.value == 10
    with pytest.raises(AttributeError):
        child.add_many(raw, 1, True)


def test_array_slices_and_shared_memory(ctx: object) -> None:
    values = ctx.Array("d", 6, lock=False)
    fillers = [
        ctx.Process(target=child.fill_slice, args=(values, 3 * i, 3 * i + 3, i + 1.0))
        for i in range(2)
    ]
    for f in fillers:
        f.start()
    assert stop(fillers, 30).check("fillers").exitcodes == (0, 0)
    assert values[:] == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]

    block = shared_memory.SharedMemory(create=True, size=4096)
    try:
        writer = ctx.Process(target=child.fill_shared, args=(block.name, 4096, 3))
        writer.start()
        writer.join(30)
        assert writer.exitcode == 0 and bytes(block.buf[:4]) == b"\x03\x03\x03\x03"
        assert child.shared_sum(block.name, 4096) == 3 * 4096
    finally:
        block.close()
        block.unlink()

    items = shared_memory.ShareableList([1, 2.5, "ab", None, True])
    try:
        updater = ctx.Process(target=child.update_shareable, args=(items.shm.name,))
        updater.start()
        updater.join(30)
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
    records = parent.collect(out, count, timeout=30)
    assert stop(children, 30).check("children").exitcodes == (0,) * count
    parent.close_queue(out)
    return records


def test_lock_and_semaphore_limit_holders(ctx: object) -> None:
    lock_records = _run_sync(ctx, child.hold, ctx.Lock(), 3)
    assert all(r.ok for r in lock_records)
    assert timing.max_overlap((r.got, r.done) for r in lock_records) == 1
    semaphore_records = _run_sync(ctx, child.hold, ctx.Semaphore(2), 4)
    assert timing.max_overlap((r.got, r.done) for r in semaphore_records) <= 2
    # Each child held it 50 ms; four children through two permits need at least two rounds.
    span = max(r.done for r in semaphore_records) - min(r.got for r in semaphore_records)
    assert span >= 0.1
    fig = figures.plot_sync({"Lock": lock_records, "Semaphore": semaphore_records})
    assert isinstance(fig, Figure)


def test_event_and_barrier_release_together(ctx: object) -> None:
    event, out = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=child.wait_for_event, args=(event, i, out)) for i in range(2)]
    for c in children:
        c.start()
    time.sleep(0.2)
    set_at = time.perf_counter()
    event.set()
    records = parent.collect(out, 2, timeout=30)
    stop(children, 30).check("waiters")
    assert all(r.ok and r.got >= set_at for r in records)

    barrier = ctx.Barrier(3)
    children = [
        ctx.Process(target=child.meet_at_barrier, args=(barrier, i, 0.05 * i, out))
        for i in range(3)
    ]
    for c in children:
        c.start()
    records = parent.collect(out, 3, timeout=30)
    stop(children, 30).check("parties")
    assert all(r.ok for r in records)
    assert min(r.got for r in records) >= max(r.asked for r in records)
    parent.close_queue(out)
