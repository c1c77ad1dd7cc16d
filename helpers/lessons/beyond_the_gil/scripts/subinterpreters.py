"""Subinterpreters on whatever interpreter runs this script; prints one JSON object.

    python subinterpreters.py --task-seconds 0.06 --workers 2

Standard library only and runnable by path: notebook 10 runs it on every interpreter it finds.
It uses only the public API of Python 3.14+ (PEP 734): ``concurrent.interpreters`` and
``concurrent.futures.InterpreterPoolExecutor``. Where they do not exist it reports
``"available": false`` and runs nothing else (3.12 and 3.13 have only private, undocumented
modules behind them, which the course does not use).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import sysconfig
import time

import subinterp_tasks as tasks  # a real module, importable in every interpreter

try:
    from concurrent import interpreters
    from concurrent.futures import InterpreterPoolExecutor
except ImportError:  # before 3.14
    interpreters = None
    InterpreterPoolExecutor = None

JOIN_TIMEOUT_S = 120.0
#: Modules to import in a fresh subinterpreter. In CPython 3.13 the first four are refused by
#: an isolated interpreter (single-phase init, or no declared support), and so is NumPy 2
#: (where installed); ``_json`` is a multi-phase module that declares support, for contrast.
PROBED_MODULES = ("readline", "_curses", "_tkinter", "_testsinglephase", "numpy", "_json")


def isolation() -> dict[str, list[str]]:
    """Each interpreter imports its own copy of a module: what one changes, another never sees.
    A ``Queue`` from ``create_queue()`` is one of the few objects that really is shared."""
    tasks.NOTES.append("main")
    queue = interpreters.create_queue()
    interp = interpreters.create()
    try:
        interp.prepare_main(queue=queue)  # bind the queue as a name in the other __main__
        interp.exec(
            "import subinterp_tasks\n"
            "subinterp_tasks.NOTES.append('sub')\n"
            "queue.put(tuple(subinterp_tasks.NOTES))\n"
        )
        there = queue.get(timeout=JOIN_TIMEOUT_S)
    finally:
        interp.close()
    return {"main_sees": list(tasks.NOTES), "sub_saw": list(there)}


def uncaught_error() -> dict[str, str]:
    """An exception raised in another interpreter arrives as ExecutionFailed, with a summary:
    exception objects themselves cannot cross between interpreters."""
    interp = interpreters.create()
    try:
        interp.exec("raise ValueError('raised in the subinterpreter')")
    except interpreters.ExecutionFailed as failed:
        return {"raised": type(failed).__name__, "inside": failed.excinfo.type.__name__}
    finally:
        interp.close()
    return {"raised": "nothing", "inside": "nothing"}


def imports(names: tuple[str, ...]) -> dict[str, str]:
    """Import each module in a fresh subinterpreter: "ok", or what the import raised."""
    found = {}
    for name in names:
        if importlib.util.find_spec(name) is None:
            found[name] = "not installed in this Python"
            continue
        interp = interpreters.create()
        try:
            interp.exec(f"import {name}")
            found[name] = "ok"
        except interpreters.ExecutionFailed as failed:
            found[name] = f"{failed.excinfo.type.__name__}: {failed.excinfo.msg}"
        finally:
            interp.close()
    return found


def calibrate(seconds: float) -> int:
    """Iterations of ``spin`` that take about ``seconds`` here (best of three)."""
    probe, best = 100_000, float("inf")
    for _ in range(3):
        start = time.perf_counter()
        tasks.spin(probe)
        best = min(best, time.perf_counter() - start)
    return max(1, round(probe * seconds / best))


def parallel(iterations: int, workers: int) -> dict[str, float]:
    """The same CPU-bound call alone, then in ``workers`` interpreters at once (one thread each)."""
    interps = [interpreters.create() for _ in range(workers)]
    try:
        for interp in interps:
            interp.call(tasks.spin, 1_000)  # imports subinterp_tasks there before the clock runs
        start = time.perf_counter()
        tasks.spin(iterations)
        alone = time.perf_counter() - start
        start, start_cpu = time.perf_counter(), time.process_time()
        threads = [interp.call_in_thread(tasks.spin, iterations) for interp in interps]
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)
        if any(thread.is_alive() for thread in threads):
            raise TimeoutError(f"subinterpreters did not finish within {JOIN_TIMEOUT_S:g} s")
        together = time.perf_counter() - start
        busy = (time.process_time() - start_cpu) / together
    finally:
        for interp in interps:
            interp.close()
    return {
        "alone": alone,
        "together": together,
        "speedup": workers * alone / together,
        "cores_busy": busy,
    }


def pool(workers: int) -> list[int]:
    """``InterpreterPoolExecutor``: the executor API, each worker thread in its own interpreter."""
    with InterpreterPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(tasks.square, range(8), timeout=JOIN_TIMEOUT_S))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task-seconds", type=float, default=0.06)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not 0 < args.task_seconds <= 10 or not 1 <= args.workers <= 64:
        parser.error("task-seconds must be in (0, 10] and workers between 1 and 64")
    report: dict[str, object] = {
        "version": ".".join(map(str, sys.version_info[:3])),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "available": interpreters is not None,
    }
    if interpreters is not None:
        report["isolation"] = isolation()
        report["error"] = uncaught_error()
        report["imports"] = imports(PROBED_MODULES)
        iterations = calibrate(args.task_seconds)
        report["parallel"] = {"workers": args.workers, **parallel(iterations, args.workers)}
        report["pool"] = pool(args.workers)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
