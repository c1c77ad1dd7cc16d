"""tools/bench.py, smoke-sized: every section runs and the report is written.

The benchmark's numbers are not asserted (machines are noisy); its structure is.
"""

from __future__ import annotations

import json
from pathlib import Path

import bench


def test_smoke_benchmark_writes_every_section(tmp_path: Path) -> None:
    lines: list[str] = []
    report = bench.run(bench.SMOKE, tmp_path, log=lines.append)
    data = json.loads((tmp_path / "report.json").read_text())

    sections = ("fidelity", "timeline_overhead", "executor_overhead", "process_startup", "ipc")
    for section in (*sections, "explorer_latency"):
        assert data["sections"][section], f"empty section {section}"
    fidelity = data["sections"]["fidelity"]
    kinds = {(row["kind"], row["executor"]) for row in fidelity}
    assert kinds == {
        ("cpu", "threads"),
        ("cpu", "processes"),
        ("io", "threads"),
        ("io", "processes"),
    }
    for row in fidelity:
        assert row["ratio"] == row["speedup"]["median"] / row["limit"]
        assert len(row["speedup"]["values"]) == bench.SMOKE.repeats

    names = {target["name"] for target in data["targets"]}
    assert "CPU threads, highest speedup (x)" in names
    assert any(name.startswith("timeline recording overhead") for name in names)
    for target in data["targets"]:
        above = target["measured"] >= target["bound"]
        assert target["met"] == (
            above if target["kind"] == ">=" else target["measured"] <= target["bound"]
        )

    assert data["machine"]["usable_cores"] >= 1
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("# Benchmark report") and "## Targets" in text
    assert len(report.targets) == len(data["targets"]) and lines


def test_sample_and_target_arithmetic() -> None:
    sample = bench.Sample([3.0, 1.0, 2.0])
    assert (sample.median, sample.low, sample.high) == (2.0, 1.0, 3.0)
    assert sample.show() == "2.00 (1.00–3.00)"
    assert bench.Target("t", 0.9, 0.85, ">=").met and not bench.Target("t", 1.2, 1.15, "<=").met
