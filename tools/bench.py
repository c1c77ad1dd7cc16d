"""Benchmark: how faithfully the demos show the truth, and what the course costs to run.

    python tools/bench.py                 # full run (make bench): a few minutes
    python tools/bench.py --smoke         # tiny sizes, seconds: proves the benchmark works
    python tools/bench.py --out DIR       # where report.md and report.json go (build/bench)

Every number is the median of repeated runs, with min-max. Targets are checked and reported,
never asserted in tests: machines are shared and noisy. Where a target is missed, the report
says so; the fix belongs in the demo, not in the target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.core import machine, timing, workloads  # noqa: E402


@dataclass
class Sample:
    """Repeated measurements of one quantity."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def show(self, fmt: str = "{:.2f}") -> str:
        return f"{fmt.format(self.median)} ({fmt.format(self.low)}–{fmt.format(self.high)})"


@dataclass
class Target:
    name: str
    measured: float
    bound: float
    kind: str  # ">=" or "<="

    @property
    def met(self) -> bool:
        return self.measured >= self.bound if self.kind == ">=" else self.measured <= self.bound

    def show(self) -> str:
        mark = "met" if self.met else "MISSED"
        return f"{self.name}: {self.measured:.3g} (target {self.kind} {self.bound:g}) — {mark}"


@dataclass
class Report:
    machine: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sizes:
    repeats: int
    task_seconds: float
    tasks_per_worker: int
    io_workers: tuple[int, ...]
    overhead_task_seconds: float
    executor_tasks: int
    startup_workers: int
    notebooks: bool
    ipc_messages: int


FULL = Sizes(5, 0.1, 6, (1, 2, 4, 8, 16), 0.01, 5_000, 2, True, 2_000)
SMOKE = Sizes(1, 0.005, 1, (1, 2), 0.002, 200, 1, False, 20)


def _repeat(fn: Callable[[], float], repeats: int) -> Sample:
    return Sample([fn() for _ in range(repeats)])


def _speedup(kind: str, executor: str, workers: int, tasks: int, seconds: float) -> float:
    """Serial wall over executor wall, with the serial run taken just before *and* just after.

    On a shared machine the speed of a core drifts from second to second; averaging a serial
    run on each side of the parallel one cancels most of that drift (the demos, which must
    stay fast, measure the serial run once).
    """
    specs = workloads.make_tasks(kind, tasks, seconds)
    before = timing.run_specs(specs, "serial")
    run = timing.run_specs(specs, executor, workers)
    after = timing.run_specs(specs, "serial")
    return (before.wall + after.wall) / 2 / run.wall


def fidelity(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Speedup at W = 1..2x cores for (cpu, io) x (threads, processes) against the limit."""
    cores = machine.usable_cores()
    rows = []
    plans: list[tuple[str, str, Iterable[int]]] = [
        ("cpu", "threads", range(1, 2 * cores + 1)),
        ("cpu", "processes", range(1, 2 * cores + 1)),
        ("io", "threads", sorted({*range(1, 2 * cores + 1), *sizes.io_workers})),
        ("io", "processes", range(1, 2 * cores + 1)),
    ]
    for kind, executor, counts in plans:
        for workers in counts:
            tasks = workers * sizes.tasks_per_worker

            sample = _repeat(
                partial(_speedup, kind, executor, workers, tasks, sizes.task_seconds),
                sizes.repeats,
            )
            limit = timing.speedup_limit(kind, workers, tasks, cores)
            rows.append(
                {
                    "kind": kind,
                    "executor": executor,
                    "workers": workers,
                    "tasks": tasks,
                    "speedup": _summary(sample),
                    "limit": limit,
                    "ratio": sample.median / limit,
                }
            )
            log(f"fidelity {kind}/{executor} W={workers}: {sample.show()} (limit {limit:g})")
    report.sections["fidelity"] = rows

    def ratio(kind: str, executor: str, workers: int) -> float | None:
        for row in rows:
            if (row["kind"], row["executor"], row["workers"]) == (kind, executor, workers):
                return row["ratio"] if kind != "cpu" or executor != "threads" else None
        return None

    cpu_proc = ratio("cpu", "processes", cores)
    if cpu_proc is not None:
        report.targets.append(
            Target(f"CPU processes at W={cores}, measured/limit", cpu_proc, 0.85, ">=")
        )
    threads = [
        r["speedup"]["median"] for r in rows if (r["kind"], r["executor"]) == ("cpu", "threads")
    ]
    report.targets.append(Target("CPU threads, highest speedup (x)", max(threads), 1.15, "<="))
    top = max(sizes.io_workers)
    io_ratio = ratio("io", "threads", top)
    if io_ratio is not None:
        report.targets.append(
            Target(f"I/O threads at W={top}, measured/limit", io_ratio, 0.85, ">=")
        )


def timeline_overhead(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """What recording a task's running intervals costs, against the bare loop."""
    iterations = int(workloads.calibrate("cpu", sizes.overhead_task_seconds))
    spec = workloads.TaskSpec(0, "cpu", iterations)

    def bare() -> float:
        # The same slices of the same loop, without reading the clock or keeping intervals.
        start = time.perf_counter()
        done = 0
        while done < iterations:
            step = min(1_000, iterations - done)
            workloads.spin(step)
            done += step
        return time.perf_counter() - start

    def recorded() -> float:
        start = time.perf_counter()
        workloads.run_task(spec)
        return time.perf_counter() - start

    runs = max(5, sizes.repeats * 5)
    # Interleave, so a slow patch of the machine hits both equally; keep each run's best of 3.
    pairs = [
        (min(bare() for _ in range(3)), min(recorded() for _ in range(3))) for _ in range(runs)
    ]
    overhead = Sample([(r - b) / b for b, r in pairs])
    report.sections["timeline_overhead"] = [
        {
            "task_seconds": sizes.overhead_task_seconds,
            "overhead": _summary(overhead),
        }
    ]
    report.targets.append(
        Target(
            f"timeline recording overhead on a {sizes.overhead_task_seconds * 1e3:g} ms task",
            overhead.median,
            0.05,
            "<=",
        )
    )
    log(f"timeline recording overhead: {overhead.show('{:.1%}')}")


def executor_overhead(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """The teaching ThreadPoolExecutor against the standard one, per no-op task."""

    from helpers.lessons.thread_pool_executor.pools import per_task_overhead
    from helpers.teaching.executor import ThreadPoolExecutor as TeachingExecutor

    # Interleaved, so a slow patch of the machine hits both pools alike.
    pairs = [
        (
            per_task_overhead(ThreadPoolExecutor, sizes.executor_tasks, workers=4, repeats=1),
            per_task_overhead(TeachingExecutor, sizes.executor_tasks, workers=4, repeats=1),
        )
        for _ in range(max(3, sizes.repeats))
    ]
    standard = Sample([s for s, _ in pairs])
    ours = Sample([t for _, t in pairs])
    ratio = Sample([t / s for s, t in pairs])
    report.sections["executor_overhead"] = [
        {
            "standard_us": _summary(Sample([v * 1e6 for v in standard.values])),
            "teaching_us": _summary(Sample([v * 1e6 for v in ours.values])),
            "ratio": _summary(ratio),
        }
    ]
    report.targets.append(
        Target("teaching / standard ThreadPoolExecutor per task", ratio.median, 1.5, "<=")
    )
    log(
        f"executor per task: standard {standard.median * 1e6:.1f} us, "
        f"teaching {ours.median * 1e6:.1f} us"
    )


def process_startup(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Start and join one do-nothing child, per start method (notebook 08's measurement)."""
    from helpers.lessons.multiprocessing.startup import startup_costs

    samples = startup_costs(repeats=max(3, sizes.repeats))
    rows = []
    for method in machine.available_start_methods():
        sample = Sample([s.seconds * 1e3 for s in samples if s.method == method])
        rows.append({"start_method": method, "milliseconds": _summary(sample)})
        log(f"process start-up, {method}: {sample.show('{:.1f}')} ms")
    report.sections["process_startup"] = rows


def ipc(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Latency and throughput by mechanism and message size (notebook 09's measurement)."""
    from helpers.lessons.ipc.mechanisms import DEFAULT_SIZES, MECHANISMS, measure_ipc, size_label

    chosen = DEFAULT_SIZES if sizes.ipc_messages > 100 else DEFAULT_SIZES[:2]
    runs = [
        measure_ipc(tuple(MECHANISMS), chosen, sizes.ipc_messages) for _ in range(sizes.repeats)
    ]
    rows = []
    for i, first in enumerate(runs[0]):
        same = [run[i] for run in runs]
        latency = Sample([r.latency * 1e6 for r in same])
        throughput = Sample([r.throughput / 1e6 for r in same])
        rows.append(
            {
                "mechanism": first.mechanism,
                "message": size_label(first.size),
                "latency_us": _summary(latency),
                "throughput_MB_s": _summary(throughput),
            }
        )
        log(f"ipc {first.mechanism} {size_label(first.size)}: {latency.show('{:.0f}')} us")
    report.sections["ipc"] = rows


def _summary(sample: Sample) -> dict[str, Any]:
    return {"values": sample.values, "median": sample.median}


def write(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "machine": report.machine,
        "sections": report.sections,
        "targets": [asdict(t) | {"met": t.met} for t in report.targets],
        "notes": report.notes,
    }
    (out / "report.json").write_text(json.dumps(data, indent=2))
    (out / "report.md").write_text(markdown(report))


def markdown(report: Report) -> str:
    m = report.machine
    lines = [
        "# Benchmark report",
        "",
        f"Machine: {m['usable_cores']} usable cores, Python {m['python']} ({m['build']}), "
        f"start method {m['start_method']}, {m['platform']}. Date {m['date']}.",
        "Medians of repeated runs, with min–max in parentheses.",
        "",
        "## Targets",
        "",
        *[f"- {t.show()}" for t in report.targets],
        "",
    ]
    fid = report.sections.get("fidelity", [])
    if fid:
        lines += [
            "## Fidelity: speedup against the physical limit",
            "",
            "| work | executor | W | speedup | limit | measured/limit |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for row in fid:
            s = row["speedup"]
            lines.append(
                f"| {row['kind']} | {row['executor']} | {row['workers']} | {_cell(s)} "
                f"| {row['limit']:.2f} | {row['ratio']:.2f} |"
            )
        lines.append("")
    for key, title in (
        ("timeline_overhead", "Timeline recording overhead"),
        ("executor_overhead", "Teaching ThreadPoolExecutor vs the standard one"),
        ("process_startup", "Process start-up per start method"),
        ("notebook_cost", "Notebook wall time, headless, default parameters (s)"),
        ("course_cost", "Whole course (s)"),
        ("explorer_latency", "Explorer: Run with default settings → redrawn plot (s)"),
        ("ipc", "IPC by mechanism and message size"),
        ("lab", "Interleaving lab: search, one widget step, search against unsteered runs"),
        ("website", "Website: cold build, warm rebuild, page weight"),
        ("slides", "Slides: make slides for every lesson"),
    ):
        rows = report.sections.get(key)
        if rows:
            lines += [f"## {title}", "", _table(rows), ""]
    if report.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in report.notes], ""]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, dict) and "values" in value:
        return f"{value['median']:.4g} ({min(value['values']):.4g}–{max(value['values']):.4g})"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    head = "| " + " | ".join(keys) + " |\n| " + " | ".join("---" for _ in keys) + " |"
    body = "\n".join("| " + " | ".join(_cell(row[k]) for k in keys) + " |" for row in rows)
    return f"{head}\n{body}"


def machine_facts() -> dict[str, Any]:
    info = machine.report()
    return {
        "usable_cores": info.usable_cores,
        "python": info.python,
        "build": "free-threaded" if info.free_threaded else "default",
        "gil_enabled": info.gil_enabled,
        "start_method": info.start_method,
        "platform": info.platform,
        "date": time.strftime("%Y-%m-%d"),
    }


def lab(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """The interleaving lab: search per level, one widget step, search against unsteered runs."""
    import bench_lab

    bench_lab.run(report, log, smoke=not sizes.notebooks)


def asyncio_and_dask(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Notebooks 11 and 12: tasks against threads per unit, Dask's per-task overhead."""
    import bench_notebooks_11_12

    smoke = {} if sizes.notebooks else {"units": 50, "overhead_tasks": 20, "repeats": 1}
    result = bench_notebooks_11_12.bench_11_12(**smoke, log=log)
    report.sections["asyncio_and_dask"] = [
        {"measure": key, **value} if isinstance(value, dict) else {"measure": key, "value": value}
        for key, value in result.items()
        if key != "machine"
    ]
    report.notes.append(bench_notebooks_11_12.format_report(result))


def website(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """The website: a cold build, a warm rebuild, and what its pages weigh."""
    import bench_site

    log("website: cold build, then a warm rebuild ...")
    report.sections["website"] = [bench_site.measure()]


def slides(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Classroom mode: ``make slides`` for every lesson (reusing the website's executions)."""
    import bench_slides

    log("slides: every deck ...")
    result = bench_slides.measure()
    report.sections["slides"] = [result]
    # The first `make slides` after the website's build: what a teacher waits for.
    report.targets.append(Target("make slides, all lessons, s", result["fill_s"], 180, "<="))


def notebooks(report: Report, log: Callable[[str], None]) -> None:
    """Every notebook run headless with its defaults, and each explorer's redraw time."""
    import bench_notebooks

    bench_notebooks.notebooks(report, log)


def explorer_latency(sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Smoke version: the worker explorer's Run, called directly."""
    import bench_notebooks

    bench_notebooks.explorer_latency(max(2, sizes.repeats), report, log)


def run(sizes: Sizes, out: Path, log: Callable[[str], None] = print) -> Report:
    report = Report(machine=machine_facts())
    fidelity(sizes, report, log)
    timeline_overhead(sizes, report, log)
    executor_overhead(sizes, report, log)
    process_startup(sizes, report, log)
    ipc(sizes, report, log)
    lab(sizes, report, log)
    asyncio_and_dask(sizes, report, log)
    if sizes.notebooks:
        notebooks(report, log)
        website(sizes, report, log)
        slides(sizes, report, log)
    else:
        explorer_latency(sizes, report, log)
    write(report, out)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check that it works")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args(argv)
    # Agg in this process only: notebooks run in kernels that must render as a learner's do.
    import matplotlib

    matplotlib.use("Agg")
    report = run(SMOKE if args.smoke else FULL, args.out)
    print()
    print(markdown(report))
    print(f"written: {args.out / 'report.md'} and {args.out / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
