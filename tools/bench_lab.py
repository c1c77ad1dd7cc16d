"""Benchmark of the interleaving lab: search cost, widget step cost, and the lab's point.

    python tools/bench_lab.py            # every level, 3 repeats (a minute or two)
    python tools/bench_lab.py --smoke    # 1 repeat, small caps: proves the benchmark works
    python tools/bench_lab.py --json     # the rows as JSON

For each level (lessons 03-07): the search at the level's defaults (time, interleavings,
interleavings per second, the shortest counterexample's length), the time to the *first*
failing schedule, the proof of every correct version (interleavings, time), one widget step
(ms per step, replaying the schedule as a click does), and, side by side, how many real,
unsteered runs of the same code it takes to hit the failure once (the median over a few
tries, capped; the cap is reported when hit).

Every time is a median with min-max. Targets (a search of at most 1 s per level, a widget
step of at most 100 ms) are reported, never asserted: machines are shared and noisy.
``tools/bench.py`` calls :func:`run` with its report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.lab.levels import Level  # noqa: E402
from helpers.lab.search import explore  # noqa: E402
from helpers.lab.unsteered import search_vs_unsteered  # noqa: E402
from helpers.lab.widget import Scheduler  # noqa: E402

SLUGS = (
    "shared_state_and_queues",
    "lock_and_rlock",
    "condition",
    "semaphore",
    "thread_pool_executor",
)
SEARCH_TARGET_S = 1.0
STEP_TARGET_MS = 100.0


def levels() -> list[Level]:
    import importlib

    found: list[Level] = []
    for slug in SLUGS:
        found += list(importlib.import_module(f"helpers.lessons.{slug}.levels").LEVELS)
    return found


def _median(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _show(sample: dict[str, float], fmt: str = "{:.3f}") -> str:
    return (
        f"{fmt.format(sample['median'])} ({fmt.format(sample['min'])}–{fmt.format(sample['max'])})"
    )


def measure_level(level: Level, repeats: int, unsteered_runs: int, tries: int) -> dict[str, Any]:
    """Every number for one level."""
    searches, firsts, proofs = [], [], {}
    verdict = None
    for _ in range(repeats):
        verdict = level.search(again=True)
        searches.append(verdict.seconds)
        first = explore(
            level.program(), failing=level.goal, preemptions=level.preemptions, stop_on_first=True
        )
        firsts.append(first.first_failure_seconds or first.seconds)
    assert verdict is not None
    for name, proof in level.prove_fixed(again=True).items():
        proofs[name] = {
            "runs": proof.runs,
            "seconds": proof.seconds,
            "ok": proof.ok,
            "exhausted": proof.exhausted,
        }
    ce = verdict.counterexample
    step_ms: list[float] = []
    if ce is not None:
        scheduler = Scheduler(level)
        for name in ce.schedule:
            started = time.perf_counter()
            scheduler.step(name)
            step_ms.append((time.perf_counter() - started) * 1e3)
    comparison = search_vs_unsteered(level, max_runs=unsteered_runs, tries=tries, budget_s=20.0)
    search = _median(searches)
    return {
        "level": level.key,
        "granularity": level.granularity,
        "preemptions": level.preemptions,
        "search_s": search,
        "interleavings": verdict.runs,
        "interleavings_per_s": verdict.runs / search["median"] if search["median"] else None,
        "first_failure_s": _median(firsts),
        "first_failure_run": comparison.search_runs,
        "counterexample_steps": len(ce.schedule) if ce else None,
        "goal_reached": ce is not None,
        "proofs": proofs,
        "widget_step_ms": _median(step_ms) if step_ms else None,
        "widget_last_step_ms": step_ms[-1] if step_ms else None,
        "unsteered": {
            "tries": list(comparison.unsteered.tries),
            "median_runs": comparison.unsteered.median,
            "cap": comparison.unsteered.max_runs,
            "capped": comparison.unsteered.capped,
            "text": str(comparison.unsteered),
        },
    }


def measure(
    *,
    repeats: int = 3,
    unsteered_runs: int = 500,
    tries: int = 3,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    rows = []
    for level in levels():
        log(f"lab: {level.key} ...")
        rows.append(measure_level(level, repeats, unsteered_runs, tries))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (and the targets under it)."""
    head = (
        "| level | search s | interleavings | per s | first failure s | CE steps | proofs "
        "(runs, s) | widget step ms (last) | unsteered runs to failure |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        proofs = "; ".join(
            f"{n}: {p['runs']}, {p['seconds']:.2f}" + ("" if p["ok"] and p["exhausted"] else " !")
            for n, p in r["proofs"].items()
        )
        step = r["widget_step_ms"]
        lines.append(
            f"| {r['level']} ({r['granularity']}, ≤{r['preemptions']} preemptions) "
            f"| {_show(r['search_s'])} | {r['interleavings']} | {r['interleavings_per_s']:.0f} "
            f"| {_show(r['first_failure_s'])} (run {r['first_failure_run']}) "
            f"| {r['counterexample_steps']} | {proofs} "
            f"| {_show(step, '{:.1f}') if step else '-'} ({r['widget_last_step_ms'] or 0:.1f}) "
            f"| {r['unsteered']['text']} |"
        )
    lines += ["", *targets(rows)]
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    for r in rows:
        s = r["search_s"]["median"]
        mark = "met" if s <= SEARCH_TARGET_S else "MISSED"
        found.append(f"search {r['level']}: {s:.3f} s (target <= {SEARCH_TARGET_S:g} s) — {mark}")
        if r["widget_step_ms"]:
            ms = r["widget_last_step_ms"]
            mark = "met" if ms <= STEP_TARGET_MS else "MISSED"
            found.append(
                f"widget step {r['level']} (longest schedule): {ms:.1f} ms "
                f"(target <= {STEP_TARGET_MS:g} ms) — {mark}"
            )
    return found


def run(report: Any, log: Callable[[str], None] = print, *, smoke: bool = False) -> None:
    """For ``tools/bench.py``: add a ``lab`` section (and notes with the targets) to
    ``report`` (anything with ``sections: dict`` and ``notes: list``)."""
    rows = measure(
        repeats=1 if smoke else 3,
        unsteered_runs=50 if smoke else 500,
        tries=1 if smoke else 3,
        log=log,
    )
    report.sections["lab"] = rows
    report.notes.extend(targets(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1 repeat, small caps")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    log = (lambda text: print(text, file=sys.stderr)) if args.json else print
    rows = measure(
        repeats=1 if args.smoke else 3,
        unsteered_runs=50 if args.smoke else 500,
        tries=1 if args.smoke else 3,
        log=log,
    )
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
