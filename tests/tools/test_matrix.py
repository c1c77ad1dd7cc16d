"""tools/matrix.py: which tests and notebooks each leg of the matrix runs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import matrix

THIS = f"{sys.version_info[0]}.{sys.version_info[1]}"


def plan(kind: str, versions: list[str]) -> list[matrix.Leg]:
    args = argparse.Namespace(
        plan=kind,
        versions=versions,
        methods=list(matrix.METHODS),
        notebooks="notebooks/*.ipynb",
        python=[],
    )
    legs, missing = matrix.plan(args)
    assert missing == []
    return legs


def test_process_tests_are_the_files_that_start_processes() -> None:
    chosen = matrix.process_tests().split()
    assert {
        "tests/lessons/multiprocessing/test_sweeps.py",
        "tests/lessons/ipc/test_child.py",
        "tests/core/test_timing.py",
    } <= set(chosen)
    assert "tests/teaching/test_condition.py" not in chosen  # threads only
    assert all(Path(matrix.ROOT / name).is_file() for name in chosen)


def test_full_plan_runs_every_test_and_notebook_under_every_method() -> None:
    if matrix.find_python(THIS) is None:
        pytest.skip(f"python{THIS} is not on PATH or in pyenv")
    legs = plan("full", [THIS])
    assert [leg.method for leg in legs] == list(matrix.METHODS)
    assert all(leg.unit == "tests" for leg in legs)
    assert all(
        len(leg.notebooks.split()) == len(list(matrix.ROOT.glob("notebooks/*.ipynb")))
        for leg in legs
    )


def test_ci_plan_runs_process_tests_and_notebooks_under_the_other_methods() -> None:
    other = [leg for leg in plan("ci", []) if leg.label == "main"]
    if not other:
        pytest.skip("no main .venv to take the main Python from")
    default = matrix.multiprocessing.get_start_method()
    assert sorted(leg.method for leg in other) == sorted(set(matrix.METHODS) - {default})
    for leg in other:
        assert leg.unit == matrix.process_tests()
        notebooks = {Path(p).name for p in leg.notebooks.split()}
        assert "08_multiprocessing.ipynb" in notebooks and "05_condition.ipynb" not in notebooks


def test_prepare_installs_each_other_legs_venv_once_and_leaves_the_main_one_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    legs = [
        matrix.Leg("3.12", "/usr/bin/python3.12", None, "tests", "nb"),
        matrix.Leg("main", "/usr/bin/python3", "spawn", "tests", "nb"),
        matrix.Leg("main", "/usr/bin/python3", "forkserver", "tests", "nb"),
        matrix.Leg("ft", "/opt/python3.13t", None, "tests", "nb", "requirements-core.txt"),
    ]
    ran: list[list[str]] = []

    def run(command: list[str], **_: object) -> object:
        ran.append(command)
        return argparse.Namespace(returncode=1 if "VENV=.venv-ft" in command else 0)

    monkeypatch.setattr(matrix.subprocess, "run", run)
    assert matrix.prepare(legs) == 1  # the ft venv failed to install
    assert [c[-1] for c in ran] == ["install", "install"]
    assert [c[2] for c in ran] == ["VENV=.venv-3.12", "VENV=.venv-ft"]
    assert "REQUIREMENTS=requirements-core.txt" in ran[1]


def test_a_step_that_outlives_its_bound_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    env = dict(os.environ)
    assert matrix.run_bounded([sys.executable, "-c", script], env, bound=2) == "TIMED OUT"
    grandchild = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        for _ in range(100):  # killed; a zombie until init reaps it
            os.kill(grandchild, 0)
            time.sleep(0.05)
    assert matrix.run_bounded([sys.executable, "-c", "pass"], env) == "passed"
    assert matrix.run_bounded([sys.executable, "-c", "raise SystemExit(3)"], env) == "FAILED"
