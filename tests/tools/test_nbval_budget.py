"""The notebook run's plugins: a notebook that runs too long fails, it does not hang; a kernel
is shut down cleanly, so it leaves nothing in /dev/shm.

Runs pytest + nbval (as `make nbval` does) on scratch notebooks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_nbval(
    path: Path, *cells: str, plugins: tuple[str, ...] = ("nbval_budget",), budget: str = "120"
) -> subprocess.CompletedProcess[str]:
    """Write ``cells`` as a notebook at ``path`` and run it as `make nbval` does."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    env = {**os.environ, "LAB_NOTEBOOK_BUDGET": budget, "PYTHONPATH": str(ROOT / "tools")}
    env.pop("MPLBACKEND", None)
    loaded = [arg for plugin in plugins for arg in ("-p", plugin)]
    return subprocess.run(
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
            *loaded,
            "-q",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
        cwd=path.parent,
    )


def test_a_notebook_over_its_budget_is_interrupted_and_fails_by_name(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_nbval(
        tmp_path / "slow_lesson.ipynb",
        "import time\ntime.sleep(2)",
        "time.sleep(60)  # interrupted when the budget runs out",
        "print('never reached in time')",
        budget="5",
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0, done.stdout
    assert "slow_lesson.ipynb used up its 5 s budget" in done.stdout
    assert "KeyboardInterrupt" in done.stdout  # the long cell was interrupted, not waited out
    assert elapsed < 60, f"the run took {elapsed:.0f} s: the budget did not stop it"


# Under spawn, a multiprocessing lock is a named semaphore in /dev/shm until it is collected.
_NAMED_LOCK = """
import multiprocessing, pathlib
lock = multiprocessing.get_context("spawn").Lock()
pathlib.Path("semaphore.txt").write_text(lock._semlock.name.lstrip("/"))
"""


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this platform")
@pytest.mark.parametrize(("plugins", "left"), [((), True), (("nbval_shutdown",), False)])
def test_a_clean_shutdown_leaves_no_named_semaphore(
    tmp_path: Path, plugins: tuple[str, ...], left: bool
) -> None:
    done = run_nbval(tmp_path / "named_lock.ipynb", _NAMED_LOCK, plugins=plugins)
    assert done.returncode == 0, done.stdout
    semaphore = Path("/dev/shm") / f"sem.{(tmp_path / 'semaphore.txt').read_text()}"
    try:
        # Killed (nbval's own stop), the kernel takes its resource tracker with it: a leak.
        assert semaphore.exists() == left
    finally:
        semaphore.unlink(missing_ok=True)
