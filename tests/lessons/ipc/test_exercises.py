"""Checkers of notebook 09: each accepts the reference solution and a different correct answer,
and rejects plausible wrong answers with a specific message, including one that only works by
luck of timing. The concurrency checkers use the interleaving lab, so their verdicts do not
depend on timing at all; the shared-memory checker injects slow, dying and endless children.
Checkers that run processes are tested under the platform's default start method and under
``spawn``."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from multiprocessing import shared_memory
from typing import Any

import pytest
from checker_cases import assert_rejected  # tests/support/

from helpers.core import leftovers
from helpers.core.lifecycle import stop
from helpers.lessons.ipc import child
from helpers.lessons.ipc import exercises as ex09
from helpers.lessons.ipc.standins import CopyingDict, raw_value, synchronized_int

pytestmark = pytest.mark.usefixtures("nothing_left")


# --- Exercise 1: append_to -----------------------------------------------------------------------


def append_to(shared: Any, lock: Any, key: str, item: object) -> None:  # the notebook's solution
    with lock:
        values = shared[key]  # a copy, fetched from the server
        values.append(item)
        shared[key] = values  # sent back


def test_append_to_accepts_the_solution_and_another(start_method: str) -> None:
    def rebuilt(shared: Any, lock: Any, key: str, item: object) -> None:
        with lock:
            shared[key] = [*shared[key], item]

    assert ex09.check_append_to(append_to).ok
    assert "interleavings" in ex09.check_append_to(rebuilt).message


def test_append_to_rejects_the_copy_trap_and_overwrites(start_method: str) -> None:
    def on_the_copy(shared: Any, lock: Any, key: str, item: object) -> None:
        with lock:
            shared[key].append(item)

    def overwrite(shared: Any, lock: Any, key: str, item: object) -> None:
        shared[key] = [item]

    def touches_everything(shared: Any, lock: Any, key: str, item: object) -> None:
        append_to(shared, lock, key, item)
        append_to(shared, lock, "other", item)

    assert_rejected(ex09.check_append_to(on_the_copy), "copy")
    assert_rejected(ex09.check_append_to(overwrite), "['start', 'step 1', 'step 2']")
    assert_rejected(ex09.check_append_to(touches_everything), "only shared[key]")
    assert_rejected(ex09.check_append_to(None), "still None")


def without_lock(shared: Any, lock: Any, key: str, item: object) -> None:
    values = shared[key]
    values.append(item)
    shared[key] = values


def test_append_to_rejects_an_unlocked_update_that_usually_survives(start_method: str) -> None:
    # Lucky timing: one call at a time it is right, and two real appenders rarely collide in
    # the microseconds between the read and the write. The lab finds the schedule that loses one.
    assert_rejected(ex09.check_append_to(without_lock), "does not hold", "interleavings")


def test_append_to_rejects_partial_and_useless_locks(start_method: str) -> None:
    def lock_the_write_only(shared: Any, lock: Any, key: str, item: object) -> None:
        values = shared[key]
        values.append(item)
        with lock:
            shared[key] = values

    def one_line(shared: Any, lock: Any, key: str, item: object) -> None:
        shared[key] = shared[key] + [item]  # still a read, then a write

    def a_lock_of_its_own(shared: Any, lock: Any, key: str, item: object) -> None:
        with threading.Lock():  # a new lock per call excludes nobody
            without_lock(shared, lock, key, item)

    for wrong in (lock_the_write_only, one_line, a_lock_of_its_own):
        assert_rejected(ex09.check_append_to(wrong), "keep both items does not hold")


def test_the_stand_in_copies_like_a_proxy() -> None:
    shared = CopyingDict({"log": []})
    shared["log"].append("lost")
    assert shared["log"] == [] and "log" in shared and shared.get("missing") is None


# --- Exercise 2: mechanisms ----------------------------------------------------------------------


def test_mechanisms() -> None:
    right = {scenario: best for scenario, (best, _, _) in ex09.MECHANISM_SCENARIOS.items()}
    assert ex09.check_mechanisms(right).ok
    first, second, third, fourth = list(right)[:4]
    assert_rejected(ex09.check_mechanisms({**right, first: "Pipe"}), "one Pipe end")
    assert_rejected(ex09.check_mechanisms({**right, second: "Queue"}), "feeder thread")
    assert_rejected(ex09.check_mechanisms({**right, third: "Queue"}), "800 MB")
    assert_rejected(ex09.check_mechanisms({**right, fourth: "Manager"}), "round trip")
    assert_rejected(ex09.check_mechanisms({**right, first: "pigeon"}), "choose one of")
    assert_rejected(ex09.check_mechanisms(None), "still None")
    assert_rejected(ex09.check_mechanisms({first: "Queue"}), "missing")


# --- Exercise 3: record_max ----------------------------------------------------------------------


def record_max(best: Any, candidate: int) -> None:  # the notebook's solution
    with best.get_lock():
        if candidate > best.value:
            best.value = candidate


def test_record_max_accepts_the_solution_and_another() -> None:
    def with_the_value_itself(best: Any, candidate: int) -> None:
        with best:  # a Synchronized Value is its own context manager: its lock
            best.value = max(best.value, candidate)

    assert ex09.check_record_max(record_max).ok
    assert "interleavings" in ex09.check_record_max(with_the_value_itself).message


def unlocked(best: Any, candidate: int) -> None:
    if candidate > best.value:
        best.value = candidate


def test_record_max_rejects_check_then_act_that_usually_works() -> None:
    # Lucky timing: run for real, two processes almost never interleave between the
    # comparison and the write. The lab shows the schedule where 7 is overwritten by 5.
    assert_rejected(ex09.check_record_max(unlocked), "ends at 7 does not hold", "step")


def test_record_max_rejects_half_locks_one_liners_and_deadlocks() -> None:
    def lock_the_write_only(best: Any, candidate: int) -> None:
        if candidate > best.value:
            with best.get_lock():
                best.value = candidate

    def one_line(best: Any, candidate: int) -> None:
        best.value = max(best.value, candidate)  # a read, then a write: two lock holds

    def never_releases(best: Any, candidate: int) -> None:
        best.get_lock().acquire()
        if candidate > best.value:
            best.value = candidate

    assert_rejected(ex09.check_record_max(lock_the_write_only), "does not hold")
    assert_rejected(ex09.check_record_max(one_line), "does not hold")
    assert_rejected(ex09.check_record_max(never_releases), "deadlock")
    assert_rejected(ex09.check_record_max(lambda best, candidate: None), "one call at a time")
    assert_rejected(ex09.check_record_max(None), "still None")


def test_the_synchronized_stand_in_takes_its_lock() -> None:
    value = synchronized_int(3)
    with value.get_lock():
        value.value += 1
    assert raw_value(value) == 4 and type(value).__name__ == "Synchronized"


# --- Exercise 4: filled_by_child -----------------------------------------------------------------


@contextlib.contextmanager
def block_and_writer(
    ctx: Any, size: int, value: int, filler: Any
) -> Iterator[tuple[shared_memory.SharedMemory, Any]]:
    """What every answer below does alike: a new block, a started child that fills it, and the
    block closed and unlinked at the end whatever happens. They differ in how they wait."""
    block = shared_memory.SharedMemory(create=True, size=size)
    try:
        writer = ctx.Process(target=filler, args=(block.name, size, value))
        writer.start()
        yield block, writer
    finally:
        block.close()
        block.unlink()


def solution(ctx: Any) -> Any:
    def filled_by_child(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            writer.join(timeout)
            if writer.is_alive():
                writer.terminate()
                writer.join(5)
                raise RuntimeError(f"the child did not finish within {timeout} s")
            if writer.exitcode != 0:
                raise RuntimeError(f"the child failed: exit code {writer.exitcode}")
            return bytes(block.buf[:size])

    return filled_by_child


def test_filled_by_child_accepts_the_solution(ctx: Any) -> None:
    assert ex09.check_filled_by_child(solution(ctx)).ok


def test_filled_by_child_accepts_stop_and_its_report(ctx: Any) -> None:
    def with_stop(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            stopped = stop([writer], timeout)
            if not stopped.clean or stopped.exitcodes != (0,):
                raise RuntimeError(f"the child did not end well: {stopped} {stopped.exitcodes}")
            return bytes(block.buf[:size])

    assert ex09.check_filled_by_child(with_stop).ok


def test_filled_by_child_leaves_another_programs_block_alone(ctx: Any) -> None:
    """/dev/shm is shared by the whole machine: a block another notebook leaves there while the
    check runs is neither the answer's leak nor the checker's to remove."""
    correct, others = solution(ctx), []

    def beside_another_notebook(size: int, value: int, filler: Any, timeout: float) -> bytes:
        other = shared_memory.SharedMemory(create=True, size=size + 1)
        other.close()  # left behind, not unlinked: what a leak looks like
        others.append(other)
        return correct(size, value, filler, timeout)

    try:
        assert ex09.check_filled_by_child(beside_another_notebook).ok
        assert all((leftovers.SHM_DIR / other.name).exists() for other in others)
    finally:
        for other in others:
            other.unlink()


def test_filled_by_child_rejects_reading_after_a_short_sleep(ctx: Any) -> None:
    # Lucky timing: a child that writes at once has usually finished after 0.5 s.
    def sleeps(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            time.sleep(min(timeout, 0.5))
            data = bytes(block.buf[:size])
            stop([writer], 0)
            return data

    assert_rejected(ex09.check_filled_by_child(sleeps), "was the child finished")


def test_filled_by_child_rejects_ignoring_how_the_child_ended(ctx: Any) -> None:
    def trusts_the_child(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            try:
                writer.join(timeout)
                return bytes(block.buf[:size])
            finally:
                writer.terminate()
                writer.join(5)

    assert_rejected(
        ex09.check_filled_by_child(trusts_the_child), "instead of raising", "written by"
    )


def test_filled_by_child_rejects_cleanup_on_success_only(ctx: Any) -> None:
    made: list[str] = []

    def no_finally(size: int, value: int, filler: Any, timeout: float) -> bytes:
        block = shared_memory.SharedMemory(create=True, size=size)
        made.append(block.name.lstrip("/"))
        writer = ctx.Process(target=filler, args=(block.name, size, value))
        writer.start()
        writer.join(timeout)
        if writer.exitcode != 0:
            stop([writer], 0)
            raise RuntimeError(f"exit code {writer.exitcode}")
        data = bytes(block.buf[:size])
        block.close()
        block.unlink()
        return data

    assert_rejected(ex09.check_filled_by_child(no_finally), "left in /dev/shm", "finally")
    # The checker removed the leak. (Only this answer's blocks count: a segment another
    # test's process makes meanwhile is in the same /dev/shm.)
    assert made and not set(made) & leftovers.shared_memory_segments()


def test_filled_by_child_rejects_unbounded_waits(ctx: Any) -> None:
    def waits_forever(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            writer.join()
            if writer.exitcode != 0:
                raise RuntimeError(f"exit code {writer.exitcode}")
            return bytes(block.buf[:size])

    assert_rejected(ex09.check_filled_by_child(waits_forever), "still waiting", "join(timeout)")


def test_filled_by_child_rejects_returning_a_view_and_leaving_a_child(ctx: Any) -> None:
    def returns_a_view(size: int, value: int, filler: Any, timeout: float) -> Any:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            stop([writer], timeout)
            return block.buf[:size]  # a view into the block: close() at the end refuses

    def leaves_it_running(size: int, value: int, filler: Any, timeout: float) -> bytes:
        with block_and_writer(ctx, size, value, filler) as (block, writer):
            writer.join(timeout)
            if writer.exitcode != 0:
                raise RuntimeError(f"exit code {writer.exitcode}")  # None: still running
            return bytes(block.buf[:size])

    assert_rejected(ex09.check_filled_by_child(returns_a_view), "BufferError")
    assert_rejected(ex09.check_filled_by_child(leaves_it_running), "still running")
    assert_rejected(ex09.check_filled_by_child(None), "still None")


def test_the_injected_fillers_are_real(ctx: Any) -> None:
    block = shared_memory.SharedMemory(create=True, size=64)
    try:
        dying = ctx.Process(target=child.fill_half_then_die, args=(block.name, 64, 9))
        dying.start()
        assert stop([dying], 30).exitcodes == (70,)
        assert bytes(block.buf[:64]) == bytes([9]) * 32 + bytes(32)
        late = ctx.Process(target=child.fill_too_late, args=(block.name, 64, 9))
        late.start()
        assert stop([late], 0.3).terminated == (late.name,)
    finally:
        block.close()
        block.unlink()
