"""CPU-bound pure-Python work on 1..N threads, timed; prints one JSON object.

    python threads_bench.py --threads 1,2,4 --task-seconds 0.1 --repeats 3

Standard library only (and its sibling ``subinterp_tasks.py``), and runnable by path, so
notebook 10 can run the very same benchmark on any interpreter it finds (a free-threaded
``python3.13t``, a 3.14), whether or not the course is installed there. Each of ``t`` threads
runs one equal task; the speedup is the time ``t`` tasks would take one after another divided
by the wall time of running them on ``t`` threads.

Each run also reports ``cores_busy``: the CPU time of the whole process (every thread) divided
by the wall time. It says how many cores ran this process's threads at once, on average; it
cannot exceed about 1 while a GIL lets one thread run at a time, and it falls below the thread
count when other programs take CPU time from this one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import sysconfig
import threading
import time

from subinterp_tasks import spin  # the sibling module: the same loop subinterpreters.py runs

JOIN_TIMEOUT_S = 300.0


def calibrate(seconds: float) -> int:
    """Iterations of :func:`spin` that take about ``seconds`` alone (best of three)."""
    probe = 200_000
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        spin(probe)
        best = min(best, time.perf_counter() - start)
    return max(1, round(probe * seconds / best))


def run_threads(threads: int, iterations: int) -> tuple[float, float]:
    """(wall time, process CPU time) of ``threads`` threads each running ``spin(iterations)``,
    started together."""
    ready = threading.Barrier(threads + 1)

    def work() -> None:
        ready.wait(timeout=60)
        spin(iterations)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=60)
    start, start_cpu = time.perf_counter(), time.process_time()  # process_time: every thread
    for worker in workers:
        worker.join(JOIN_TIMEOUT_S)
    if any(worker.is_alive() for worker in workers):
        raise TimeoutError(f"threads did not finish within {JOIN_TIMEOUT_S:g} s")
    return time.perf_counter() - start, time.process_time() - start_cpu


def usable_cores() -> int:
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def measure(threads: list[int], task_seconds: float, repeats: int) -> dict[str, object]:
    iterations = calibrate(task_seconds)
    singles: list[float] = []
    results = []
    for count in threads:
        # Each run on `count` threads is paired with a one-thread run just before it, so a
        # slow patch of a shared machine hits both sides of the ratio alike.
        pairs = [
            (run_threads(1, iterations)[0], run_threads(count, iterations)) for _ in range(repeats)
        ]
        singles += [one for one, _ in pairs]
        walls = [wall for _, (wall, _) in pairs]
        speedups = [count * one / wall for one, (wall, _) in pairs]
        busy = [cpu / wall for _, (wall, cpu) in pairs]
        results.append(
            {
                "threads": count,
                "wall": statistics.median(walls),
                "speedup": statistics.median(speedups),
                "speedup_min": min(speedups),
                "speedup_max": max(speedups),
                "cores_busy": statistics.median(busy),
            }
        )
    gil_probe = getattr(sys, "_is_gil_enabled", None)
    return {
        "version": ".".join(map(str, sys.version_info[:3])),
        "executable": sys.executable,
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": True if gil_probe is None else bool(gil_probe()),
        "cores": usable_cores(),
        "task_seconds": task_seconds,
        "single_task_wall": statistics.median(singles),
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2,4")
    parser.add_argument("--task-seconds", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    if not threads or min(threads) < 1 or not 0 < args.task_seconds <= 10 or args.repeats < 1:
        parser.error("threads must be >= 1, task-seconds in (0, 10], repeats >= 1")
    print(json.dumps(measure(threads, args.task_seconds, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
