"""helpers/lessons/beyond_the_gil/scripts/threads_bench.py, run by path as notebook 10 runs it
on every interpreter it finds."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers.lessons.beyond_the_gil import beyond_gil


def test_bench_script_validates_its_arguments() -> None:
    done = subprocess.run(
        [sys.executable, str(beyond_gil.BENCH_SCRIPT), "--threads", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "threads must be >= 1" in done.stderr
    ok = subprocess.run(
        [
            sys.executable,
            str(beyond_gil.BENCH_SCRIPT),
            "--threads",
            "1",
            "--task-seconds",
            "0.002",
            "--repeats",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(ok.stdout)["results"][0]["threads"] == 1
