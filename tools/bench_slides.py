"""What `make slides` costs: every deck built from the website's executed notebooks, twice.

    python tools/bench_slides.py              # prints the numbers (and writes only build/slides)
    python tools/bench_slides.py --projector  # the projector build instead, from a cold cache

For tools/bench.py: ``from bench_slides import measure; measure()`` returns the same numbers
as a dict. The first build starts with no decks and no vendored reveal.js (build/slides and
build/slides-npm removed), but keeps the website's execution cache: reusing it is the point,
and lessons it lacks are executed (``executed`` says how many). The target is 180 s on 2 cores.
With ``projector=True`` the projector cache (build/slides-cache) is removed too, so the first
build executes every lesson: what a teacher pays once before a course.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_slides

TARGET_S = 180.0


def measure(*, projector: bool = False, jobs: int = 0) -> dict[str, float]:
    """Seconds for a first and a second build, and what the decks weigh (megabytes)."""
    shutil.rmtree(build_slides.OUTPUT, ignore_errors=True)
    shutil.rmtree(build_slides.NPM, ignore_errors=True)
    if projector:
        shutil.rmtree(build_slides.PROJECTOR_CACHE, ignore_errors=True)
    started = time.perf_counter()
    first = build_slides.build(projector=projector, jobs=jobs)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = build_slides.build(projector=projector, jobs=jobs)
    second_s = time.perf_counter() - started  # nothing to execute: the cost of converting
    sizes = [(build_slides.OUTPUT / f"{stem}.html").stat().st_size / 1e6 for stem in first.decks]
    return {
        "first_build_s": first_s,
        "first_vendor_s": first.vendor_s,
        "first_execute_s": first.execute_s,
        "first_convert_s": first.convert_s,
        "executed": len(first.executed),  # lessons the cache lacked
        "second_build_s": second_s,
        "second_executed": len(second.executed),  # 0 unless a lesson changed meanwhile
        "decks": len(first.decks),
        "deck_median_mb": statistics.median(sizes),
        "deck_max_mb": max(sizes),
        "target_s": TARGET_S,
        "within_target": float(first_s <= TARGET_S),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projector", action="store_true", help="the projector build, cold")
    parser.add_argument("--jobs", type=int, default=0, help="kernels at a time (default: cores/2)")
    args = parser.parse_args(argv)
    for name, value in measure(projector=args.projector, jobs=max(0, args.jobs)).items():
        print(f"{name:>16}: {value:.2f}" if isinstance(value, float) else f"{name:>16}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
