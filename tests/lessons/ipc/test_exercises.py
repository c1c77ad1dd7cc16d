"""Checkers of notebook 09: each accepts the reference solution and rejects typical wrong
answers with a specific message. Checkers that run processes are tested under the platform's
default start method and under ``spawn``."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import pytest

from helpers.core import leftovers
from helpers.core.checks import Feedback
from helpers.lessons.ipc import child
from helpers.lessons.ipc import exercises as ex09

pytestmark = pytest.mark.usefixtures("nothing_left")


def rejected(feedback: Feedback, *words: str) -> None:
    assert not feedback.ok, feedback.message
    for word in words:
        assert word in feedback.message, feedback.message


def append_to(shared: object, key: str, item: object) -> None:
    values = shared[key]  # type: ignore[index]
    values.append(item)
    shared[key] = values  # type: ignore[index]


def test_append_to(ctx: object) -> None:
    assert ex09.check_append_to(append_to).ok
    rejected(ex09.check_append_to(None), "still None")
    rejected(ex09.check_append_to(lambda shared, key, item: shared[key].append(item)), "copy")

    def overwrite(shared: object, key: str, item: object) -> None:
        shared[key] = [item]  # type: ignore[index]

    rejected(ex09.check_append_to(overwrite), "['start', 'step 1', 'step 2']")

    def touches_everything(shared: object, key: str, item: object) -> None:
        append_to(shared, key, item)
        append_to(shared, "other", item)

    rejected(ex09.check_append_to(touches_everything), "only shared[key]")


def test_mechanisms() -> None:
    right = {scenario: best for scenario, (best, _, _) in ex09.MECHANISM_SCENARIOS.items()}
    assert ex09.check_mechanisms(right).ok
    first = next(iter(right))
    rejected(ex09.check_mechanisms({**right, first: "Pipe"}), "one Pipe end")
    rejected(ex09.check_mechanisms({**right, first: "pigeon"}), "choose one of")
    rejected(ex09.check_mechanisms(None), "still None")
    rejected(ex09.check_mechanisms({first: "Queue"}), "missing")


def test_sum_in_child_accepts_the_solution(ctx: object) -> None:
    def sum_in_child(data: bytes) -> int:
        block = shared_memory.SharedMemory(create=True, size=len(data))
        try:
            block.buf[: len(data)] = data
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                return pool.submit(child.shared_sum, block.name, len(data)).result(timeout=60)
        finally:
            block.close()
            block.unlink()

    assert ex09.check_sum_in_child(sum_in_child).ok


def test_sum_in_child_cleans_up_after_a_leak(ctx: object) -> None:
    before = leftovers.shared_memory_segments()

    def forgets_unlink(data: bytes) -> int:
        block = shared_memory.SharedMemory(create=True, size=len(data))
        block.buf[: len(data)] = data
        total = child.shared_sum(block.name, len(data))
        block.close()
        return total

    rejected(ex09.check_sum_in_child(forgets_unlink), "unlink()", "removed it")
    assert leftovers.shared_memory_segments() <= before  # the checker removed the leak

    rejected(ex09.check_sum_in_child(lambda data: 0), "sum of the data")
    rejected(ex09.check_sum_in_child(None), "still None")
