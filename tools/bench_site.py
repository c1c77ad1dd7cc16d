"""What the course website costs: a cold build, a warm rebuild, and what its pages weigh.

    python tools/bench_site.py            # prints the three numbers (and writes nothing else)

For tools/bench.py: ``from bench_site import measure; measure()`` returns the same numbers as
a dict. The cold build removes the site's execution cache and outputs first (build/site-cache,
build/site-src, build/site-doctrees, build/site), so it costs what CI and the Pages workflow pay.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_site

# What a browser loads for a page: its images, scripts and stylesheets (fonts they pull in
# are not counted: the theme's icon fonts come to ~0.2 MB more, once per visit).
ASSET = re.compile(r'<(?:img|script)[^>]+src="([^"]+)"|<link[^>]+href="([^"]+\.(?:css|svg)[^"]*)"')


def page_weight(page: Path) -> int:
    """Bytes of one HTML page and of every local image, script and stylesheet it loads."""
    html = page.read_text(encoding="utf-8")
    total = len(html.encode())
    for match in ASSET.finditer(html):
        reference = (match.group(1) or match.group(2)).split("?")[0]
        if "://" not in reference and (page.parent / reference).is_file():
            total += (page.parent / reference).stat().st_size
    return total


def site_weight(site: Path = build_site.OUTPUT) -> dict[str, float]:
    pages = {page.name: page_weight(page) for page in sorted(site.glob("*.html"))}
    files = [file for file in site.rglob("*") if file.is_file()]
    return {
        "site_mb": sum(file.stat().st_size for file in files) / 1e6,
        "pages": len(pages),
        "page_median_mb": statistics.median(pages.values()) / 1e6,
        "page_max_mb": max(pages.values()) / 1e6,
        "images_mb": sum(f.stat().st_size for f in (site / "_images").glob("*")) / 1e6,
    }


def measure(jobs: int = 0) -> dict[str, float]:
    """Cold build, warm rebuild (nothing changed) and page weight; seconds and megabytes."""
    for folder in (build_site.CACHE, build_site.SOURCES, build_site.DOCTREES, build_site.OUTPUT):
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    cold = build_site.build(jobs=jobs)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = build_site.build(jobs=jobs)
    warm_s = time.perf_counter() - started
    return {
        "cold_build_s": cold_s,
        "cold_execute_s": cold.execute_s,
        "warm_rebuild_s": warm_s,
        "warm_executed": len(warm.executed),  # 0 unless a lesson or helper changed meanwhile
        "jobs": jobs or build_site.default_jobs(),
        **site_weight(),
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:>16}: {value:.2f}" if isinstance(value, float) else f"{name:>16}: {value}")
