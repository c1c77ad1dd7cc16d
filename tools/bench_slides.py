"""What `make slides` costs: every deck built from the website's executed notebooks.

    python tools/bench_slides.py              # prints the numbers (and writes only build/)
    python tools/bench_slides.py --projector  # the same for the projector build

For tools/bench.py: ``from bench_slides import measure; measure()`` returns the same numbers
as a dict, in three steps:

1. ``fill``: one build, which executes whatever the execution cache lacks (the website's,
   build/site-cache; with ``projector``, build/slides-cache, emptied first so every lesson
   runs: what a teacher pays once before a course);
2. ``cold``: no decks and no vendored reveal.js (build/slides and build/slides-npm removed), a
   current cache: what `make slides` costs next to a built website. The target is 180 s on
   2 cores;
3. ``warm``: the same build again, everything in place.
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
    """Seconds for the three builds, and what the decks weigh (megabytes)."""
    if projector:
        shutil.rmtree(build_slides.PROJECTOR_CACHE, ignore_errors=True)
    started = time.perf_counter()
    fill = build_slides.build(projector=projector, jobs=jobs)
    fill_s = time.perf_counter() - started
    shutil.rmtree(build_slides.OUTPUT, ignore_errors=True)
    shutil.rmtree(build_slides.NPM, ignore_errors=True)
    started = time.perf_counter()
    cold = build_slides.build(projector=projector, jobs=jobs)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = build_slides.build(projector=projector, jobs=jobs)
    warm_s = time.perf_counter() - started
    sizes = [(build_slides.OUTPUT / f"{stem}.html").stat().st_size / 1e6 for stem in cold.decks]
    return {
        "fill_s": fill_s,
        "fill_executed": len(fill.executed),  # lessons the cache lacked
        "fill_execute_s": fill.execute_s,
        "cold_s": cold_s,
        "cold_vendor_s": cold.vendor_s,  # npm ci of reveal.js
        "cold_convert_s": cold.convert_s,
        "cold_executed": len(cold.executed),  # 0 unless a lesson changed meanwhile
        "warm_s": warm_s,
        "warm_executed": len(warm.executed),
        "decks": len(cold.decks),
        "deck_median_mb": statistics.median(sizes),
        "deck_max_mb": max(sizes),
        "target_s": TARGET_S,
        "cold_within_target": cold_s <= TARGET_S,
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
