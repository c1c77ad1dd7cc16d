"""helpers.lessons.ipc.parent: the parent's bounded waits on queues, and named semaphores."""

from __future__ import annotations

import queue
import sys
import time
from multiprocessing import shared_memory

import pytest

from helpers.core import leftovers
from helpers.lessons.ipc import child, parent

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_join_within_gives_up_when_tasks_are_unfinished(ctx: object) -> None:
    tasks = ctx.JoinableQueue()
    tasks.put(1)
    assert not parent.join_within(tasks, timeout=0.2)
    assert tasks.get(timeout=5) == 1
    tasks.task_done()  # lets the helper thread's join() return, so nothing is left behind
    time.sleep(0.1)
    parent.close_queue(tasks)


def test_simple_queue_and_collect(ctx: object) -> None:
    simple = ctx.SimpleQueue()
    producer = ctx.Process(target=child.put_all, args=(simple, ["a", "b"]))
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
        parent.collect(q, 2, timeout=0.3)  # only one item: bounded, then Empty
    parent.close_queue(q)


def test_another_program_that_leaks_is_cleaned_up_by_its_tracker() -> None:
    run = parent.leak_from_another_program()
    name = run.stdout.split()[0]
    assert run.returncode == 0 and name not in leftovers.shared_memory_segments()
    assert any("leaked shared_memory" in line for line in run.tracker_lines)


def test_another_program_that_attaches_unlinks_too_early() -> None:
    block = shared_memory.SharedMemory(create=True, size=16)
    block.buf[0] = 42
    try:
        run = parent.attach_from_another_program(block.name)
        assert run.returncode == 0 and "first byte 42" in run.stdout
        assert block.name not in leftovers.shared_memory_segments()  # gh-82300
        assert block.buf[0] == 42  # our own mapping still works
    finally:
        block.close()
        parent.forget_segment(block.name)


@pytest.mark.skipif(sys.version_info < (3, 13), reason="track= is 3.13+")
def test_an_untracked_attach_leaves_the_block_alone() -> None:
    block = shared_memory.SharedMemory(create=True, size=16)
    try:
        run = parent.attach_from_another_program(block.name, untracked=True)
        assert run.returncode == 0 and run.tracker_lines == []
        assert block.name in leftovers.shared_memory_segments()
    finally:
        block.close()
        block.unlink()


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="before 3.13 there is no track=")
def test_untracked_needs_313() -> None:
    with pytest.raises(ValueError, match=r"3\.13"):
        parent.attach_from_another_program("psm_x", untracked=True)


def test_segment_exists_looks_without_leaving_anything() -> None:
    block = shared_memory.SharedMemory(create=True, size=16)
    try:
        assert parent.segment_exists(block.name)
    finally:
        block.close()
        block.unlink()
    assert not parent.segment_exists(block.name)
