"""helpers.lessons.multiprocessing.child: what notebook 08's children and pool workers run."""

from __future__ import annotations

import os
import signal
import sys
import time

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


def test_pickling_material_behaves_as_the_notebook_says() -> None:
    import functools
    import pickle

    assert child.make_scaler(3)(4) == 12 and child.scale(3, 4) == 12
    assert child.double_x(child.make_local_point(5)) == 10
    for unpicklable in (child.make_scaler(3), child.make_local_point(1)):
        with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
            pickle.dumps(unpicklable)
    assert pickle.loads(pickle.dumps(functools.partial(child.scale, 3)))(5) == 15
    assert pickle.loads(pickle.dumps(child.Point(2))) == child.Point(2)


def test_initializer_material_counts_loads() -> None:
    child.load_table(b"abc")
    found = child.lookup(1)
    assert found.value == ord("b") and found.loads >= 1
    assert child.lookup_in(b"xyz", 2).value == ord("z")


@pytest.mark.parametrize(("target", "args", "code"), [(child.die, (70,), 70), (child.die, (), 70)])
def test_die_ends_a_child_with_its_code(
    start_method: str, target: object, args: tuple, code: int
) -> None:
    process = machine.mp_context().Process(target=target, args=args)
    process.start()
    assert stop([process], 30).exitcodes == (code,)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_kill_self_reports_minus_the_signal(start_method: str) -> None:
    process = machine.mp_context().Process(target=child.kill_self)
    process.start()
    assert stop([process], 30).exitcodes == (-signal.SIGKILL,)


def test_who_imported_me_in_this_process() -> None:
    info = child.who_imported_me()
    assert info.pid == info.imported_by and info.importer == "itself"


def test_square_and_linger_delays_the_worker_exit(start_method: str) -> None:
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, mp_context=machine.mp_context())
    try:
        result = pool.submit(child.square_and_linger, 4).result(timeout=60)
    finally:
        started = time.monotonic()
        pool.shutdown(wait=True)
    assert result.square == 16 and result.pid != os.getpid()
    assert time.monotonic() - started >= child.LINGER_S * 0.9  # waited for the lingering exit


@pytest.mark.skipif(sys.version_info < (3, 11), reason="max_tasks_per_child is 3.11+")
def test_batch_on_retiring_workers_reports_and_never_leaks(start_method: str) -> None:
    """The notebook's sandbox: a stuck pool is reported, then the sandbox is terminated; a
    working one runs every task and the sandbox exits on its own."""
    context = machine.mp_context()
    method = "spawn" if context.get_start_method() == "fork" else context.get_start_method()
    reader, writer = context.Pipe(duplex=False)
    sandbox = context.Process(target=child.batch_on_retiring_workers, args=(writer, 6, 2, method))
    sandbox.start()
    writer.close()
    batch = reader.recv() if reader.poll(60) else None
    reader.close()
    stopped = stop([sandbox], 0 if batch is None or batch.stalled else 30)
    assert batch is not None
    assert batch.tasks == 6 and batch.finished >= 2 and batch.method == method
    if batch.stalled:
        assert batch.finished < 6 and stopped.terminated == (sandbox.name,)
    else:
        assert batch.finished == 6 and len(set(batch.pids)) == 3 and stopped.clean
