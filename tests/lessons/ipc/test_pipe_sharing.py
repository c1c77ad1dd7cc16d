"""helpers.lessons.ipc.pipe_sharing: several writers on one pipe end, with and without a lock."""

from __future__ import annotations

import os

import pytest

from helpers.lessons.ipc import pipe_sharing

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_a_shared_pipe_end_needs_a_lock(ctx: object) -> None:
    safe = pipe_sharing.share_one_pipe_end(writers=2, messages=20, guarded=True)
    assert (safe.intact, safe.corrupted, safe.error) == (safe.sent, 0, None)
    assert safe.stopped.clean and safe.stopped.exitcodes == (0, 0)
    if os.name == "posix":
        unsafe = pipe_sharing.share_one_pipe_end(writers=2, messages=40, guarded=False)
        assert unsafe.intact < unsafe.sent
        assert unsafe.corrupted > 0 or unsafe.error is not None
        assert unsafe.stopped.clean  # the writers saw the reader go, and exited
    with pytest.raises(ValueError, match="writers"):
        pipe_sharing.share_one_pipe_end(writers=9)
