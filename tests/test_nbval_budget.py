"""Hang-proofing of the notebook run: a notebook that runs too long fails, it does not hang.

Runs pytest + nbval (as `make nbval` does) on a scratch notebook whose cells sleep, with a small
per-notebook budget, and checks that the run ends early, naming the notebook.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def test_a_notebook_over_its_budget_is_interrupted_and_fails_by_name(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import time\ntime.sleep(2)"),
        nbformat.v4.new_code_cell("time.sleep(60)  # interrupted when the budget runs out"),
        nbformat.v4.new_code_cell("print('never reached in time')"),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "slow_lesson.ipynb"
    nbformat.write(notebook, path)
    env = {**os.environ, "LAB_NOTEBOOK_BUDGET": "5", "PYTHONPATH": str(ROOT / "tools")}
    env.pop("MPLBACKEND", None)
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-cell-timeout=90",
            "--timeout=120",
            "-p",
            "no:cacheprovider",
            "-p",
            "nbval_budget",
            "-q",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
        cwd=tmp_path,
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0, done.stdout
    assert "slow_lesson.ipynb used up its 5 s budget" in done.stdout
    assert "KeyboardInterrupt" in done.stdout  # the long cell was interrupted, not waited out
    assert elapsed < 60, f"the run took {elapsed:.0f} s: the budget did not stop it"
