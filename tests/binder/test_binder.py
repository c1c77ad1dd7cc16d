"""What Binder would build, as close as this machine gets without docker: a fresh venv with the
Python binder/runtime.txt names, exactly binder/requirements.txt installed into it (plus
ipykernel, which repo2docker's own environment provides), and notebook 00 run on that kernel.

Not covered (see the README): repo2docker itself and its conda base image, the JupyterLab it
ships, the widgets in a browser there, Binder's limits (often one core, 1-2 GB of memory), and
the notebooks after 00. `make binder-test`; skipped when that Python is missing, except in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
INSTALL_TIMEOUT = 600  # seconds: a cold pip cache downloads matplotlib, dask and distributed


def binder_python() -> Path | None:
    """The interpreter for the version runtime.txt names (``python-3.12``): LAB_BINDER_PYTHON,
    then pyenv's builds, then ``python3.12`` on PATH."""
    version = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")
    if os.environ.get("LAB_BINDER_PYTHON"):
        return Path(os.environ["LAB_BINDER_PYTHON"])
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for build in sorted(pyenv.glob(f"{version}.*"), reverse=True):
        if (build / "bin" / f"python{version}").exists():
            return build / "bin" / f"python{version}"
    found = subprocess.run(["which", f"python{version}"], capture_output=True, text=True)
    return Path(found.stdout.strip()) if found.returncode == 0 else None


def test_notebook_00_runs_with_what_binder_installs(tmp_path: Path) -> None:
    python = binder_python()
    if python is None or not python.exists():
        message = f"no Python for binder/runtime.txt ({(BINDER / 'runtime.txt').read_text()!r})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    env_dir = tmp_path / "binder-venv"
    subprocess.run([str(python), "-m", "venv", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    # From the repository's root, as repo2docker runs it: `-e .` is the course's helpers.
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--prefer-binary",
         "-r", str(BINDER / "requirements.txt"), "ipykernel"],
        check=True, cwd=ROOT, timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    version = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    wanted = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")
    assert version.strip() == str(tuple(int(n) for n in wanted.split("."))), version

    # A kernelspec for that venv, found through JUPYTER_PATH; papermill (tools/run_notebook.py,
    # from the course's own venv) drives it, so only the kernel side is Binder's.
    kernels = tmp_path / "jupyter" / "kernels" / "binder"
    kernels.mkdir(parents=True)
    argv = [str(bin_dir / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Binder", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["JUPYTER_PATH"] = str(tmp_path / "jupyter")
    output = tmp_path / "00_start_here.ipynb"
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "run_notebook.py"), "--cwd", str(NOTEBOOK.parent),
         "-k", "binder", str(NOTEBOOK), str(output)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, f"notebook 00 failed on Binder's environment:\n{run.stderr[-3000:]}"
    executed = json.loads(output.read_text(encoding="utf-8"))
    code = [cell for cell in executed["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["execution_count"] for cell in code), "not every cell ran"
    # machine.report() names the kernel's Python: it must be Binder's, not this venv's.
    assert f"{wanted}." in json.dumps(code[0]["outputs"]), "the kernel was not Binder's Python"
