"""Benchmark for notebooks 11 and 12, measured side by side in one run.

    python tools/bench_notebooks_11_12.py            # N = 1,000 waits; 500 no-op tasks
    python tools/bench_notebooks_11_12.py --smoke    # tiny sizes: proves it works

* **asyncio against threads** (notebook 11): N concurrent waits as tasks and as threads, wall
  time, start-up cost and memory per unit (tracemalloc and RSS); the two modes alternate, so a
  slow patch of the machine hits both.
* **Dask against a process pool** (notebook 12): the cost of one no-op task on a warm
  ``ProcessPoolExecutor`` and on a ``LocalCluster`` of the same size, alternating, and their
  ratio.

:func:`bench_11_12` returns a JSON-ready dict and :func:`format_report` prints it; the lead's
``tools/bench.py`` calls them and adds the notebooks' wall time. Medians of ``repeats`` runs,
with every value kept. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers.core import machine  # noqa: E402


def _summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "values": values}


def _asyncio_vs_threads(
    units: int, wait_ms: float, repeats: int, log: Callable[[str], None]
) -> dict[str, Any]:
    from helpers.lessons.asyncio import measure

    runs = [measure.compare(units, "sleep", wait_ms) for _ in range(repeats)]
    limit = runs[0].limit
    result: dict[str, Any] = {
        "units": units,
        "wait": "sleep",
        "wait_ms": wait_ms,
        "thread_limit": limit.chosen,
        "thread_limit_binding": limit.binding,
    }
    for mode in ("tasks", "threads"):
        chosen = [getattr(run, mode) for run in runs]
        if any(run is None for run in chosen):
            result[mode] = None
            log(f"{mode}: not run ({units:,} is above this machine's thread limit)")
            continue
        result[mode] = {
            "wall_ms": _summary([r.wall_s * 1e3 for r in chosen]),
            "startup_us_per_unit": _summary([r.startup_us for r in chosen]),
            "traced_kib_per_unit": _summary([r.traced_bytes / 1024 for r in chosen]),
            "rss_kib_per_unit": _summary([max(r.rss_bytes or 0.0, 0.0) / 1024 for r in chosen]),
        }
        log(
            f"{mode} x {units:,}: wall {result[mode]['wall_ms']['median']:,.0f} ms, start-up "
            f"{result[mode]['startup_us_per_unit']['median']:,.1f} µs/unit, "
            f"{result[mode]['traced_kib_per_unit']['median']:,.2f} KiB traced/unit, "
            f"{result[mode]['rss_kib_per_unit']['median']:,.1f} KiB RSS/unit"
        )
    if result["threads"] is not None:
        result["threads_over_tasks"] = {
            key: result["threads"][key]["median"] / max(result["tasks"][key]["median"], 1e-12)
            for key in result["tasks"]
        }
    return result


def _dask_vs_pool(tasks: int, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    from helpers.core.lifecycle import stop_pool
    from helpers.lessons.beyond_one_machine import child, cluster, compare

    status = cluster.dask_status()
    if not status.available:
        log(f"Dask: not measured ({status.reason})")
        return {"available": False, "reason": status.reason, "tasks": tasks}
    workers = machine.usable_cores()
    pool_us, dask_us = [], []
    pool = compare.process_pool(workers)
    try:
        with cluster.course_cluster(workers) as (_, client):
            cluster.gather(client, client.map(child.noop, range(2 * workers), pure=False))
            args = list(range(tasks))
            for _ in range(repeats):  # alternate, so drift hits both alike
                pool_us.append(compare.pool_seconds(pool, child.noop, args) / tasks * 1e6)
                dask_us.append(compare.dask_seconds(client, child.noop, args) / tasks * 1e6)
    finally:
        stop_pool(pool)
    ratios = [d / p for d, p in zip(dask_us, pool_us, strict=True)]
    result = {
        "available": True,
        "version": status.version,
        "tasks": tasks,
        "workers": workers,
        "pool_start_method": machine.start_method(),
        "pool_us_per_task": _summary(pool_us),
        "dask_us_per_task": _summary(dask_us),
        "dask_over_pool": _summary(ratios),
    }
    log(
        f"per no-op task: process pool {result['pool_us_per_task']['median']:,.0f} µs, "
        f"Dask {result['dask_us_per_task']['median']:,.0f} µs "
        f"(ratio {result['dask_over_pool']['median']:.1f}x)"
    )
    return result


def bench_11_12(
    *,
    units: int = 1_000,
    wait_ms: float = 50,
    overhead_tasks: int = 500,
    repeats: int = 3,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure both, in one run; return the numbers as a JSON-ready dict."""
    started = time.perf_counter()
    info = machine.report()
    result = {
        "machine": {
            "python": info.python,
            "gil_enabled": info.gil_enabled,
            "usable_cores": info.usable_cores,
            "start_method": info.start_method,
            "platform": info.platform,
        },
        "asyncio_vs_threads": _asyncio_vs_threads(units, wait_ms, repeats, log),
        "dask_vs_process_pool": _dask_vs_pool(overhead_tasks, repeats, log),
    }
    result["seconds"] = time.perf_counter() - started
    return result


def format_report(result: dict[str, Any]) -> str:
    """The numbers as a short Markdown section for build/bench/report.md."""
    m = result["machine"]
    lines = [
        "## Notebooks 11 and 12: asyncio against threads, Dask against a process pool",
        "",
        f"Python {m['python']}, GIL {'on' if m['gil_enabled'] else 'off'}, "
        f"{m['usable_cores']} usable cores, start method {m['start_method']}, {m['platform']}.",
        "",
    ]
    a = result["asyncio_vs_threads"]
    lines += [
        f"{a['units']:,} concurrent waits of {a['wait_ms']:g} ms (thread limit here "
        f"{a['thread_limit']:,}, set by {a['thread_limit_binding']}); medians:",
        "",
        "| | tasks | threads |",
        "| --- | ---: | ---: |",
    ]
    rows = [
        ("wall time (ms)", "wall_ms", "{:,.0f}"),
        ("start-up per unit (µs)", "startup_us_per_unit", "{:,.1f}"),
        ("Python memory per unit (KiB, tracemalloc)", "traced_kib_per_unit", "{:,.2f}"),
        ("resident memory per unit (KiB, RSS)", "rss_kib_per_unit", "{:,.1f}"),
    ]
    for label, key, fmt in rows:
        cells = [
            "not run" if a[mode] is None else fmt.format(a[mode][key]["median"])
            for mode in ("tasks", "threads")
        ]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    d = result["dask_vs_process_pool"]
    lines.append("")
    if d["available"]:
        lines.append(
            f"One no-op task, {d['tasks']} per run on {d['workers']} workers: process pool "
            f"({d['pool_start_method']}) {d['pool_us_per_task']['median']:,.0f} µs, Dask "
            f"{d['version']} {d['dask_us_per_task']['median']:,.0f} µs: "
            f"{d['dask_over_pool']['median']:.1f}x."
        )
    else:
        lines.append(f"Dask not measured: {d['reason']}.")
    lines.append(f"(Measured in {result['seconds']:.1f} s.)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args(argv)
    sizes = {"units": 50, "overhead_tasks": 20, "repeats": 1} if args.smoke else {}
    result = bench_11_12(**sizes)
    print()
    print(format_report(result))
    return 0


if __name__ == "__main__":  # Dask's workers start with spawn: the guard is required
    sys.exit(main())
