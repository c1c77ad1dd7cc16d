"""Checkers of notebook 08: each accepts the reference solution and rejects typical wrong
answers with a specific message. Checkers that run processes are tested under the platform's
default start method and under ``spawn``."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from helpers.core.checks import Feedback
from helpers.lessons.multiprocessing import child
from helpers.lessons.multiprocessing import exercises as ex08

pytestmark = pytest.mark.usefixtures("nothing_left")


def rejected(feedback: Feedback, *words: str) -> None:
    assert not feedback.ok, feedback.message
    for word in words:
        assert word in feedback.message, feedback.message


def exit_status(exitcode: int | None) -> str:
    if exitcode is None:
        return "running"
    if exitcode == 0:
        return "ok"
    return "error" if exitcode > 0 else "signal"


def test_exit_status_accepts_the_solution() -> None:
    assert ex08.check_exit_status(exit_status).ok


def test_exit_status_rejects_typical_mistakes() -> None:
    rejected(ex08.check_exit_status(None), "still None")
    rejected(ex08.check_exit_status(42), "should be a function")
    rejected(
        ex08.check_exit_status(
            lambda code: "running" if code is None else "ok" if code == 0 else "error"
        ),
        "-15",
        "signal",
    )
    rejected(ex08.check_exit_status(lambda code: "ok" if not code else "error"), "None", "running")
    rejected(ex08.check_exit_status(lambda code: "fine"), "one of")


def test_default_start_methods() -> None:
    right = {
        "Linux, Python 3.12": "fork",
        "Linux, Python 3.14": "forkserver",
        "macOS, Python 3.12": "spawn",
        "Windows, Python 3.12": "spawn",
    }
    assert ex08.check_default_start_methods(right).ok
    rejected(ex08.check_default_start_methods(None), "still None")
    rejected(ex08.check_default_start_methods({**right, "Linux, Python 3.14": "fork"}), "3.14")
    rejected(ex08.check_default_start_methods({**right, "macOS, Python 3.12": "fork"}), "3.8")
    rejected(ex08.check_default_start_methods({**right, "Windows, Python 3.12": "thread"}), "not a")
    rejected(ex08.check_default_start_methods({"Linux, Python 3.12": "fork"}), "missing")


def test_default_chunksize() -> None:
    assert ex08.check_default_chunksize(625).ok
    rejected(ex08.check_default_chunksize(None), "still None")
    rejected(ex08.check_default_chunksize(1), "ProcessPoolExecutor.map")
    rejected(ex08.check_default_chunksize(2500), "four chunks per worker")
    rejected(ex08.check_default_chunksize(7), "divmod")
    rejected(ex08.check_default_chunksize("625"), "whole number")


def test_worker_pids_accepts_the_solution(ctx: object) -> None:
    def worker_pids(tasks: int, workers: int) -> list[int]:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(child.pid_after) for _ in range(tasks)]
            return [f.result(timeout=60) for f in futures]

    assert ex08.check_worker_pids(worker_pids).ok


def test_worker_pids_rejects_threads_leaks_and_oversized_pools(ctx: object) -> None:
    def on_threads(tasks: int, workers: int) -> list[int]:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda _: child.pid_after(), range(tasks)))

    rejected(ex08.check_worker_pids(on_threads), "notebook's own process")

    def too_many(tasks: int, workers: int) -> list[int]:
        with ProcessPoolExecutor(max_workers=tasks, mp_context=ctx) as pool:
            return list(pool.map(child.pid_after, [0.3] * tasks, timeout=60))

    rejected(ex08.check_worker_pids(too_many), "different processes", "max_workers")

    leaked: list[ProcessPoolExecutor] = []

    def never_shut_down(tasks: int, workers: int) -> list[int]:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        leaked.append(pool)
        return [pool.submit(child.pid_after).result(timeout=60) for _ in range(tasks)]

    try:
        rejected(ex08.check_worker_pids(never_shut_down), "still running", "with")
    finally:
        leaked[0].shutdown(wait=True)
    rejected(ex08.check_worker_pids(lambda tasks, workers: [1, 2]), "returned 2 pids")
