"""helpers.lessons.ipc.mechanisms: one small round trip per mechanism between two processes,
and throughput and latency by mechanism and message size (drawn by helpers.lessons.ipc.figures)."""

from __future__ import annotations

import queue
import subprocess
import sys
import textwrap

import pytest
from matplotlib.figure import Figure

from helpers.core import machine
from helpers.lessons.ipc import figures, mechanisms

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_round_trip_costs_measure_every_mechanism_across_processes(start_method: str) -> None:
    seen: list[int] = []
    costs = mechanisms.round_trip_costs(repeats=40, progress=lambda done, total: seen.append(done))
    assert [c.name for c in costs] == [name for name, _, _ in mechanisms.ROUND_TRIPS]
    assert {c.group for c in costs} == {"shared memory", "messages", "server process"}
    assert all(c.seconds > 0 for c in costs)
    assert [c.repeats for c in costs] == [40, 40, 40, 40, 20]  # a Manager: a quarter, >= 20
    assert seen == list(range(1, len(costs) + 1))
    assert isinstance(figures.plot_operation_costs(costs), Figure)
    with pytest.raises(ValueError, match="repeats"):
        mechanisms.round_trip_costs(repeats=0)


@pytest.mark.parametrize("build", [b for _, _, b in mechanisms.ROUND_TRIPS])
def test_a_partner_that_stops_answering_is_reported_and_ended(build: object) -> None:
    """A partner told to answer once: the second trip fails (it times out, or finds the pipe
    closed), and closing it after the failure ends the child and releases everything
    (``nothing_left`` checks)."""
    context = machine.mp_context()
    with context.Manager() as manager:
        partner = build(context, 1, 0.3, manager)  # type: ignore[operator]
        try:
            partner.trip(1)
            with pytest.raises((TimeoutError, queue.Empty, OSError, EOFError)):
                partner.trip(2)
        finally:
            partner.close(False, 5)


def test_measure_ipc_returns_plain_data(ctx: object) -> None:
    results = mechanisms.measure_ipc(sizes=[64, 4096], count=5)
    assert [(r.mechanism, r.size) for r in results] == [
        (m, s) for m in mechanisms.MECHANISMS for s in (64, 4096)
    ]
    assert all(r.count == 5 and len(r.round_trips) == 5 for r in results)
    assert all(r.latency > 0 and r.throughput > 0 for r in results)
    assert all(r.start_method == ctx.get_start_method() for r in results)
    assert isinstance(figures.plot_ipc(results), Figure)


def test_measure_ipc_sends_fewer_big_messages() -> None:
    assert mechanisms.messages_for(64, 100, 1024) == 16
    assert mechanisms.messages_for(1 << 20, 100, 1024) == 3  # never fewer than three
    (result,) = mechanisms.measure_ipc(["pipe"], [1 << 20], 100, budget_bytes=4 << 20)
    assert result.count == 4


def test_measure_ipc_validates() -> None:
    with pytest.raises(ValueError, match="mechanisms"):
        mechanisms.measure_ipc(["carrier pigeon"])
    with pytest.raises(ValueError, match="sizes"):
        mechanisms.measure_ipc(sizes=[0])
    with pytest.raises(TypeError, match="count"):
        mechanisms.measure_ipc(count=True)
    with pytest.raises(ValueError, match="mechanisms"):
        mechanisms.measure_ipc([])


def test_size_label() -> None:
    assert [mechanisms.size_label(s) for s in (64, 1024, 16 * 1024, 1 << 20)] == [
        "64 B",
        "1 KiB",
        "16 KiB",
        "1 MiB",
    ]


def test_no_resource_tracker_warning_under_spawn(tmp_path: object) -> None:
    """A whole program using shared memory from children exits without a leak warning."""
    script = textwrap.dedent(
        """
        from multiprocessing import shared_memory
        from helpers.core import machine
        from helpers.lessons.ipc import child, mechanisms

        if __name__ == "__main__":
            ctx = machine.mp_context("spawn")
            block = shared_memory.SharedMemory(create=True, size=1024)
            try:
                filler = ctx.Process(target=child.fill_shared, args=(block.name, 1024, 1))
                filler.start()
                filler.join(30)
                assert filler.exitcode == 0
            finally:
                block.close()
                block.unlink()
            mechanisms.measure_ipc(["shared_memory"], [256], 3, start_method="spawn")
            print("done")
        """
    )
    path = tmp_path / "program.py"  # type: ignore[operator]
    path.write_text(script)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "done" in done.stdout
    assert "resource_tracker" not in done.stderr and "leaked" not in done.stderr
