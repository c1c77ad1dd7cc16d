"""helpers.lessons.multiprocessing.child: what notebook 08's children and pool workers run."""

from __future__ import annotations

import pytest

from helpers.core import machine
from helpers.core.lifecycle import stop
from helpers.lessons.multiprocessing import child

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_child_functions_compute_in_process() -> None:
    assert child.square(7) == 49
    assert child.cube(3) == 27
    assert child.add(2, 5) == 7
    assert child.slow_square(4, 0) == 16
    assert child.nap(0) == 0
    me = child.whoami("ignored")
    assert me.name == "MainProcess" and me.pid > 0
    with pytest.raises(ValueError, match="boom"):
        child.fail("boom")
    with pytest.raises(ValueError):
        child.parse_number("forty-two")
    pid, start, end = child.timed_spin(100)
    assert start <= end and pid == me.pid


def test_stop_ends_a_sleeper(start_method: str) -> None:
    sleeper = machine.mp_context().Process(target=child.sleep_then_exit, args=(60,))
    sleeper.start()
    stopped = stop([sleeper], 0)
    assert not sleeper.is_alive() and sleeper.exitcode is not None and sleeper.exitcode < 0
    assert not stopped.clean and stopped.terminated == (sleeper.name,)
    assert stopped.exitcodes == (sleeper.exitcode,)
