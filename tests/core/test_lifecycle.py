"""Bounded starts, joins and stops of threads and processes, and what they report."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from helpers.core.lifecycle import (
    Stopped,
    end_processes,
    run_program,
    run_threads,
    stop,
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
