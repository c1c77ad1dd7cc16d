"""helpers.lessons.ipc.parent: the parent's bounded waits on queues, and named semaphores."""

from __future__ import annotations

import queue
import time

import pytest

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
