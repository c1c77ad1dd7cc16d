"""Bounded starts, joins and stops of threads and processes, and what they report."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, process
from typing import Any

import pytest

from helpers.core.lifecycle import (
    Stopped,
    end_processes,
    run_program,
    run_threads,
    stop,
    stop_pool,
    wait_until,
    waiting_count,
)
from helpers.sketches.condition import BrokenCondition
from helpers.sketches.semaphore import BrokenSemaphore
from helpers.teaching.condition import Condition as TeachingCondition
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore


def test_run_threads_reraises_and_times_out() -> None:
    def boom() -> None:
        raise KeyError("inside a thread")

    with pytest.raises(KeyError):
        run_threads(boom, [()] * 2)
    release = threading.Event()
    with pytest.raises(TimeoutError):
        run_threads(release.wait, [(2.0,)], timeout=0.1)
    release.set()


def test_join_all_reports_the_living() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(5,), name="sleeper")
    thread.start()
    report = stop([thread], 0.01)
    assert report.running == ("sleeper",) and not report.clean
    with pytest.raises(TimeoutError, match="sleeper"):
        report.check()
    release.set()
    assert stop([thread], 5) == Stopped(("sleeper",), (), (), ())


def test_waiting_count_reads_every_kind_of_primitive() -> None:
    for primitive in (
        BrokenCondition(),
        threading.Condition(),
        TeachingCondition(),
        BrokenSemaphore(),
        threading.Semaphore(),
        TeachingSemaphore(),
    ):
        assert waiting_count(primitive) == 0


def test_wait_until_is_bounded() -> None:
    assert wait_until(lambda: True, 0.01) is True
    assert wait_until(lambda: False, 0.01) is False


def test_run_program_runs_a_fresh_interpreter_in_plain_text(tmp_path) -> None:
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint(__name__)\nsys.exit(3)\n")
    run = run_program([script], timeout=60, cwd=tmp_path)
    assert (run.returncode, run.stdout.strip()) == (3, "__main__")


def test_end_processes_terminates_then_kills_and_says_which() -> None:
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert stubborn.stdout is not None and stubborn.stdout.readline().strip() == "ready"
    try:
        killed = end_processes([polite.pid, stubborn.pid], grace=0.5)
        assert killed == (stubborn.pid,)  # SIGTERM ignored: it had to be killed
        assert polite.wait(5) == -15 and stubborn.wait(5) == -9
    finally:
        for process in (stubborn, polite):
            process.kill()
            process.wait(5)
            if process.stdout:
                process.stdout.close()


@pytest.mark.usefixtures("nothing_left")
@pytest.mark.parametrize("starts_later", [False, True], ids=["never-starts", "starts-late"])
def test_stop_pool_ends_a_pool_interrupted_before_its_manager_thread_started(
    monkeypatch: pytest.MonkeyPatch, ctx: Any, starts_later: bool
) -> None:
    # Up to 3.13, submit() assigns the pool's manager thread, then starts it. A Stop landing in
    # between used to make stop_pool raise "cannot join thread before it is started".
    start = process._ExecutorManagerThread.start
    late: list[threading.Timer] = []

    def interrupted_start(manager: threading.Thread) -> None:
        if starts_later:  # the interrupt came inside start(): the thread still starts
            late.append(threading.Timer(0.2, start, args=(manager,)))
            late[-1].start()
        raise KeyboardInterrupt

    monkeypatch.setattr(process._ExecutorManagerThread, "start", interrupted_start)
    pool = ProcessPoolExecutor(max_workers=2, mp_context=ctx)
    with pytest.raises(KeyboardInterrupt):
        pool.submit(time.sleep, 30)
    workers = list(pool._processes.values())  # type: ignore[attr-defined]
    assert workers, "the workers start before the manager thread"
    stopped = stop_pool(pool)
    for timer in late:
        timer.join(5)
    assert not any(worker.is_alive() for worker in workers)
    assert len(stopped.finished) + len(stopped.terminated) == len(workers)
