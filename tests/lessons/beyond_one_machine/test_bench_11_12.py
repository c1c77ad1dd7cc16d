"""tools/bench_notebooks_11_12.py, smoke-sized: both halves run and the report is written.

(It lives here, next to the lesson it measures; the lead may move it to tests/tools.) The
numbers are not asserted, machines are noisy; the structure is.
"""

from __future__ import annotations

import json

import bench_notebooks_11_12 as bench


def test_smoke_run_returns_both_halves_and_prints_them() -> None:
    lines: list[str] = []
    result = bench.bench_11_12(units=20, overhead_tasks=10, repeats=1, log=lines.append)
    json.dumps(result)  # JSON-ready, for build/bench/report.json

    waits = result["asyncio_vs_threads"]
    assert waits["units"] == 20 and waits["tasks"] is not None
    assert len(waits["tasks"]["wall_ms"]["values"]) == 1
    if waits["threads"] is not None:
        assert set(waits["threads_over_tasks"]) == set(waits["tasks"])

    dask = result["dask_vs_process_pool"]
    if dask["available"]:
        assert dask["dask_over_pool"]["median"] > 0
    else:
        assert dask["reason"]

    text = bench.format_report(result)
    assert text.startswith("## Notebooks 11 and 12") and "| wall time (ms) |" in text
    assert lines
