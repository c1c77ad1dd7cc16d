"""Every lab test: no thread left behind and every patched name restored afterwards; and the
programs the tests step (programs.py) importable."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def lab_hygiene() -> Iterator[None]:
    from helpers.lab import patched_now

    before = set(threading.enumerate())
    assert not patched_now()
    yield
    assert not patched_now(), "a lab patch is still in place after the test"
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(t not in before for t in threading.enumerate()):
        time.sleep(0.01)
    assert [t.name for t in threading.enumerate() if t not in before] == []
