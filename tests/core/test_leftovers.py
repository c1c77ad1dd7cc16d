"""helpers.leftovers: detect what a notebook left running."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from multiprocessing import shared_memory

import pytest

from helpers.core import leftovers


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


needs_dev_shm = pytest.mark.skipif(
    not leftovers.SHM_DIR.is_dir(), reason="no /dev/shm on this platform"
)


@needs_dev_shm
def test_shared_memory_that_is_not_unlinked_is_reported() -> None:
    baseline = leftovers.snapshot()
    block = shared_memory.SharedMemory(create=True, size=64)
    try:
        assert any(block.name.lstrip("/") in item for item in leftovers.leftovers(baseline))
    finally:
        block.close()
        block.unlink()
    assert leftovers.leftovers(baseline) == []


@needs_dev_shm
def test_a_closed_but_not_unlinked_segment_is_reported() -> None:
    baseline = leftovers.snapshot()
    block = shared_memory.SharedMemory(create=True, size=64)
    block.close()  # nobody maps it now, but it is still in /dev/shm: a leak
    try:
        assert leftovers.new_segments(baseline.shared_memory) == {block.name.lstrip("/")}
    finally:
        block.unlink()
    assert leftovers.leftovers(baseline) == []


# A program that is not this test's descendant: the first child forks and exits at once, so the
# grandchild that creates the segment is re-parented away from us.
_FOREIGN_SEGMENT = """
import os, sys
from multiprocessing import shared_memory
if os.fork():
    os._exit(0)
block = shared_memory.SharedMemory(create=True, size=64)
print(block.name.lstrip("/"), flush=True)
sys.stdin.readline()
block.close()
block.unlink()
"""


@needs_dev_shm
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_segment_that_another_program_maps_is_not_ours() -> None:
    baseline = leftovers.snapshot()
    other = subprocess.Popen(
        [sys.executable, "-c", _FOREIGN_SEGMENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdin is not None and other.stdout is not None
    try:
        other.wait(timeout=30)  # the first child exits at once
        name = other.stdout.readline().strip()
        assert name in leftovers.shared_memory_segments()  # it is there, in /dev/shm ...
        # ... but not ours. Asked about its name only: /dev/shm is machine-wide, and this
        # test is not about segments that other programs make meanwhile.
        assert name not in leftovers.new_segments(baseline.shared_memory)
        assert not [line for line in leftovers.leftovers(baseline) if name in line]
    finally:
        other.stdin.write("done\n")
        other.stdin.close()
        other.stdout.close()
    deadline = time.monotonic() + 30
    while name in leftovers.shared_memory_segments() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert name not in leftovers.shared_memory_segments()
