"""The scripts in helpers/lessons/beyond_the_gil/scripts/, run by path as notebook 10 runs them
on every interpreter it finds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.lessons.beyond_the_gil import beyond_gil


def run_script(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=60
    )


def test_bench_script_validates_its_arguments() -> None:
    done = run_script(beyond_gil.BENCH_SCRIPT, "--threads", "0")
    assert done.returncode == 2 and "threads must be >= 1" in done.stderr
    ok = run_script(
        beyond_gil.BENCH_SCRIPT, "--threads", "1", "--task-seconds", "0.002", "--repeats", "1"
    )
    assert ok.returncode == 0, ok.stderr
    (row,) = json.loads(ok.stdout)["results"]
    assert row["threads"] == 1 and row["cores_busy"] > 0


def test_subinterpreters_script_validates_its_arguments() -> None:
    done = run_script(beyond_gil.SUBINTERPRETERS_SCRIPT, "--workers", "0")
    assert done.returncode == 2 and "workers between 1 and 64" in done.stderr
    done = run_script(beyond_gil.SUBINTERPRETERS_SCRIPT, "--task-seconds", "0")
    assert done.returncode == 2 and "task-seconds must be in (0, 10]" in done.stderr


def test_subinterpreters_script_reports_what_this_python_has() -> None:
    done = run_script(beyond_gil.SUBINTERPRETERS_SCRIPT, "--task-seconds", "0.005")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["version"] == ".".join(map(str, sys.version_info[:3]))
    assert report["available"] is (sys.version_info >= (3, 14))
