"""Notebook 11's helpers: the runner, the demos, the server, the measurement, the toy loop.

Facts only (counts, orders, which thread), never timings. Every test leaves nothing running.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest

from helpers.core import machine
from helpers.lessons.asyncio import child, demos, explore, limits, measure, runner, toy_loop
from helpers.lessons.asyncio.server import local_server

pytestmark = pytest.mark.usefixtures("nothing_left")


# --- runner ---------------------------------------------------------------------------------------


def test_run_returns_the_result_from_a_loop_of_its_own() -> None:
    async def main() -> tuple[int, bool]:
        await asyncio.sleep(0)
        return threading.get_ident(), asyncio.get_running_loop().is_running()

    ident, running = runner.run(main())
    assert running and ident != threading.get_ident()


def test_run_raises_what_the_coroutine_raised() -> None:
    async def main() -> None:
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        runner.run(main())


def test_run_cancels_after_its_timeout() -> None:
    cleaned: list[str] = []

    async def main() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            cleaned.append("done")

    with pytest.raises(TimeoutError):
        runner.run(main(), timeout=0.05)
    assert cleaned == ["done"]


def test_run_reports_a_blocked_loop_instead_of_waiting_forever(monkeypatch: Any) -> None:
    monkeypatch.setattr(runner, "GRACE_S", 0.1)

    async def main() -> None:
        time.sleep(0.6)  # blocks the loop: cancellation cannot get in

    with pytest.raises(runner.LoopBlocked, match="blocks the loop"):
        runner.run(main(), timeout=0.05)
    time.sleep(0.7)  # the stuck thread ends when its sleep does


def test_run_works_where_a_loop_is_already_running() -> None:
    async def inner() -> str:
        return "inner"

    async def outer() -> str:
        return runner.run(inner())  # what a notebook cell or a widget callback does

    assert runner.run(outer()) == "inner"


def test_to_thread_leaves_no_pool_thread_behind() -> None:
    async def main() -> int:
        return await asyncio.to_thread(lambda: 7)

    assert runner.run(main()) == 7  # nothing_left checks the default pool was shut down


# --- demos ----------------------------------------------------------------------------------------


def test_threads_switch_without_any_await() -> None:
    assert demos.thread_switches(0.05).runs >= 3


def test_an_exception_nobody_awaits_is_reported_by_the_loop() -> None:
    async def main() -> list[str]:
        async def fails() -> None:
            raise ValueError("lost")

        with demos.capture_loop_errors() as seen:
            task = asyncio.create_task(fails())
            await asyncio.sleep(0)
            del task
        return [context["message"] for context in seen]

    assert runner.run(main()) == ["Task exception was never retrieved"]


async def _blocking(gate: threading.Event, patience: float) -> bool:
    return gate.wait(patience)


async def _in_a_thread(gate: threading.Event, patience: float) -> bool:
    return await asyncio.to_thread(gate.wait, patience)


def test_a_blocking_call_stops_the_ticker_and_a_thread_does_not() -> None:
    blocked = demos.beside_ticker(_blocking, patience_s=0.1)
    freed = demos.beside_ticker(_in_a_thread, patience_s=5)
    assert blocked.returned is False and blocked.ticks_during == 0 and not blocked.loop_was_free
    assert freed.returned is True and freed.ticks_during >= 3
    figure = demos.draw_ticker_runs({"blocked": blocked, "freed": freed})
    assert len(figure.axes) == 2


def test_the_process_pool_variant_runs_elsewhere() -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=machine.mp_context()) as pool:

        async def in_a_process(gate: threading.Event, patience: float) -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, child.crunch, 1000)

        run = demos.beside_ticker(in_a_process, patience_s=30)
    value, pid = run.returned
    import os

    assert pid != os.getpid() and value == child.spin(1000)


def test_debug_mode_catches_a_put_from_the_wrong_thread() -> None:
    wrong = demos.wrong_thread_put()
    assert "thread" in wrong.error and not wrong.consumer_got_it


def test_the_script_runs_asyncio_the_way_a_script_does() -> None:
    script = demos.run_script()
    assert script.returncode == 0
    assert script.stdout.splitlines() == [
        "hello from task a, on MainThread",
        "hello from task b, on MainThread",
    ]
    assert "asyncio.run(main())" in demos.SCRIPT.read_text()


def test_run_once_is_shown_from_the_running_interpreter() -> None:
    assert "_ready" in demos.run_once_source().code


# --- toy loop -------------------------------------------------------------------------------------


def test_the_toy_loop_switches_like_asyncio() -> None:
    async def steps(name: str, count: int, pause: Any, log: list[str]) -> str:
        for _ in range(count):
            log.append(name)
            await pause()
        return name

    toy: list[str] = []
    assert toy_loop.run_all(
        [steps("A", 3, toy_loop.sleep0, toy), steps("B", 2, toy_loop.sleep0, toy)]
    ) == ["A", "B"]

    real: list[str] = []

    async def main() -> None:
        sleep0 = lambda: asyncio.sleep(0)  # noqa: E731
        await asyncio.gather(steps("A", 3, sleep0, real), steps("B", 2, sleep0, real))

    runner.run(main())
    assert toy == real == list("ABABA")


# --- the server and the measurement -------------------------------------------------------------


def test_the_server_answers_on_loopback_and_is_always_stopped() -> None:
    with local_server(delay_ms=1) as server:
        assert server.host == "127.0.0.1"
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(child.REQUEST)
            assert sock.recv(16) == child.REPLY
    assert server.stopped is not None and not server.stopped.running


def test_the_server_is_stopped_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError, match="inside"), local_server(delay_ms=1) as server:
        raise RuntimeError("inside")
    assert server.stopped is not None


def test_the_thread_limit_comes_from_the_machine() -> None:
    limit = limits.thread_limit()
    assert 1 <= limit.chosen <= limits.THREADS_PER_CORE * machine.usable_cores()
    assert limit.binding in limit.bounds and limit.bounds[limit.binding] == limit.chosen
    assert str(limit).startswith(f"Threads are capped at {limit.chosen:,}")
    assert 1 <= limit.socket_units <= limits.MAX_TASKS


@pytest.mark.parametrize("wait", ["sleep", "socket"])
def test_threads_and_tasks_all_complete(wait: str) -> None:
    result = measure.compare(40, wait, 10)
    assert result.tasks.completed == 40
    assert result.threads is not None and result.threads.completed == 40
    for run in (result.tasks, result.threads):
        assert run.wall_s > 0 and run.startup_s > 0 and run.traced_bytes >= 0
    assert "threads" in result.table()


def test_above_the_limit_only_tasks_run(monkeypatch: Any) -> None:
    real = limits.thread_limit()
    monkeypatch.setattr(
        limits,
        "thread_limit",
        lambda: limits.ThreadLimit(10, "test", {"test": 10}, {}, real.socket_units),
    )
    fig, result = explore.explore_waits(50, "sleep", 10)
    assert result.threads is None and result.tasks.completed == 50
    assert "above this machine's limit" in fig._suptitle.get_text()


def test_the_explorer_keeps_every_run_on_its_curve() -> None:
    history = explore.WaitHistory()
    for units in (20, 40):
        explore.explore_waits(units, "sleep", 10, history=history)
    assert [n for n, _ in history.curve("tasks", "sleep", 10)] == [20, 40]
    assert [n for n, _ in history.curve("threads", "sleep", 10)] == [20, 40]


def test_the_timeline_of_tasks_runs_on_one_thread() -> None:
    fig, timeline = explore.tasks_timeline(units=5, wait_ms=10, work_ms=0.5)
    assert sorted(span.index for span in timeline.spans) == list(range(5))
    assert len(timeline.threads) == 1 and timeline.running_overlap() == 1
    assert fig.axes
