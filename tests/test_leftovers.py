"""helpers.leftovers: detect what a notebook left running."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from helpers import leftovers


def test_a_running_thread_is_reported_until_it_ends() -> None:
    baseline = leftovers.snapshot()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, args=(30,), name="stray", daemon=True)
    thread.start()
    try:
        assert any("'stray'" in item for item in leftovers.leftovers(baseline))
        with pytest.raises(AssertionError, match="thread 'stray'"):
            leftovers.assert_nothing_left(baseline, grace=0.1)
    finally:
        stop.set()
        thread.join(5)
    assert "nothing left running" in leftovers.assert_nothing_left(baseline).message


def test_a_child_process_is_reported_until_it_is_joined() -> None:
    baseline = leftovers.snapshot()
    ctx = multiprocessing.get_context("spawn")
    event = ctx.Event()
    child = ctx.Process(target=event.wait, args=(30,))
    child.start()
    try:
        assert any(f"child process {child.pid}" in item for item in leftovers.leftovers(baseline))
    finally:
        event.set()
        child.join(10)
    leftovers.assert_nothing_left(baseline)


def test_shared_memory_that_is_not_unlinked_is_reported() -> None:
    from multiprocessing import shared_memory

    if not leftovers.shared_memory_segments() and not leftovers._SHM_DIR.exists():
        pytest.skip("no /dev/shm on this platform")
    baseline = leftovers.snapshot()
    block = shared_memory.SharedMemory(create=True, size=64)
    try:
        assert any(block.name.lstrip("/") in item for item in leftovers.leftovers(baseline))
    finally:
        block.close()
        block.unlink()
    assert leftovers.leftovers(baseline) == []
