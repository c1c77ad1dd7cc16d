"""Run the helpers tests and every notebook on several Pythons and start methods.

    python3 tools/matrix.py                 # full: each Python x each start method
    python3 tools/matrix.py --plan ci       # each Python with its default method, and every
                                            # method on the main Python for the tests and
                                            # notebooks that start processes (what CI affords)
    python3 tools/matrix.py --python ft=build/python3.13t/bin/python3.13t \
        --notebooks "notebooks/0[0-7]_*.ipynb"  # an extra interpreter, some notebooks

Each Python gets its own virtual environment (``.venv-3.12`` ...), created and installed by
the Makefile, so a leg is exactly ``make unit nbval`` with another ``VENV``/``PYTHON`` and
``LAB_START_METHOD``. A Python that cannot be found is skipped with a message; with
``CI=true`` it is a failure.
"""

from __future__ import annotations

import argparse
import glob
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.10", "3.11", "3.12", "3.13")
METHODS = tuple(multiprocessing.get_all_start_methods())


@dataclass
class Leg:
    label: str
    python: str
    method: str | None  # None: the platform's default
    unit: str | None  # the helpers tests to run ("tests", or some files), or None for none
    notebooks: str
    requirements: str = "requirements.txt"
    results: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(result == "passed" for result in self.results.values())


def find_python(version: str) -> str | None:
    """An interpreter for ``version``: on PATH as pythonX.Y, or installed by pyenv."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(
        glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"),
        key=lambda path: [int(p) for p in Path(path).parents[1].name.split(".") if p.isdigit()],
        reverse=True,
    )
    for candidate in filter(None, candidates):
        if _version_of(candidate) == version:
            return candidate
    return None


def _version_of(python: str) -> str | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


_PROCESS_WORDS = re.compile(r"multiprocessing|ProcessPool|mp_context|\bprocesses\b|Process\(")


def starts_processes(notebook: str) -> bool:
    """Whether a notebook's lesson uses multiprocessing (so its start method matters)."""
    lesson = ROOT / "lessons" / f"{Path(notebook).stem}.md"
    return not lesson.exists() or bool(_PROCESS_WORDS.search(lesson.read_text()))


def process_tests() -> str:
    """The helpers test files that start processes: the ones a start method can change."""
    return " ".join(
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if _PROCESS_WORDS.search(path.read_text())
    )


def venv_for(label: str) -> str:
    return ".venv" if label == "main" else f".venv-{label}"


def make_command(leg: Leg) -> list[str]:
    """``make`` with the leg's virtual environment, Python and requirements."""
    return [
        "make",
        "--no-print-directory",
        f"VENV={venv_for(leg.label)}",
        f"PYTHON={leg.python}",
        f"REQUIREMENTS={leg.requirements}",
    ]


def prepare(legs: list[Leg]) -> int:
    """Create and install every leg's virtual environment (``make install``), running nothing.

    .ci/run does this in the background, at the lowest priority, while `make test` runs: pip
    mostly waits for the network and the disk, and `make test` leaves a core idle at times.
    """
    failed = 0
    # The main venv (.venv) is `make test`'s, which may be installing it at the same moment.
    venvs = {venv_for(leg.label): leg for leg in legs if leg.label != "main"}
    for label, leg in venvs.items():
        print(f"\n=== {label}: make install", flush=True)
        done = subprocess.run([*make_command(leg), "install"], cwd=ROOT, check=False)
        failed += done.returncode != 0
    return 1 if failed else 0


#: The most one step of a leg may take. A test run whose xdist worker crashed (a segfault)
#: can wait for it forever; this bound turns that into a failure instead of a hung CI.
STEP_BOUND_S = 30 * 60


def run_bounded(command: list[str], env: dict[str, str], bound: float = STEP_BOUND_S) -> str:
    """Run ``command`` in its own process group: "passed", "FAILED", or "TIMED OUT" (the group
    is then killed)."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        return "passed" if process.wait(timeout=bound) == 0 else "FAILED"
    except subprocess.TimeoutExpired:
        print(f"\n{' '.join(command[:3])}...: still running after {bound:g} s; killed", flush=True)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "TIMED OUT"


def run_leg(leg: Leg) -> None:
    env = dict(os.environ)
    env.pop("LAB_START_METHOD", None)
    if leg.method:
        env["LAB_START_METHOD"] = leg.method
    make = make_command(leg)
    steps = (["unit"] if leg.unit else []) + ["nbval"]
    started = time.monotonic()
    for step in steps:
        print(f"\n=== {leg.label} · {leg.method or 'default'} · make {step}", flush=True)
        # Two notebooks at a time: a leg only passes or fails (the site is built by make test).
        extra = (
            [f"NOTEBOOKS={leg.notebooks}", "NBVAL_JOBS=2"]
            if step == "nbval"
            else [f"UNIT_TESTS={leg.unit}"]
        )
        leg.results[step] = run_bounded([*make, step, *extra], env)
    leg.seconds = time.monotonic() - started


def plan(args: argparse.Namespace) -> tuple[list[Leg], list[str]]:
    """The legs to run, and the versions that were asked for but not found."""
    legs, missing = [], []
    patterns = args.notebooks.split()
    notebooks = " ".join(
        sorted({p for pattern in patterns for p in glob.glob(str(ROOT / pattern))})
    )
    if not notebooks:
        raise SystemExit(f"--notebooks {args.notebooks!r} matches no notebook")
    main_version = _version_of(str(ROOT / ".venv" / "bin" / "python")) or _version_of(
        sys.executable
    )
    for version in args.versions:
        python = find_python(version)
        if python is None:
            missing.append(version)
            continue
        if args.plan == "full":
            for method in args.methods:
                legs.append(Leg(version, python, method, "tests", notebooks))
        elif version != main_version:  # ci: `make test` already ran the main Python
            legs.append(Leg(version, python, None, "tests", notebooks))
    if args.plan == "ci":
        # A start method only matters to code that starts processes; CI runs just those tests
        # and notebooks under the other methods (`make test-matrix` runs everything under each).
        main_python = find_python(main_version) if main_version else None
        default = multiprocessing.get_start_method()
        with_processes = " ".join(p for p in notebooks.split() if starts_processes(p))
        for method in args.methods:
            if method != default and main_python and with_processes:
                legs.append(Leg("main", main_python, method, process_tests(), with_processes))
    for spec in args.python:
        label, _, path = spec.partition("=")
        if not Path(path).exists():
            missing.append(f"{label} ({path})")
            continue
        # Extra interpreters (a free-threaded build) get the kernel-side requirements only.
        legs.append(
            Leg(label, path, None, "tests", notebooks, requirements="requirements-core.txt")
        )
    return legs, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", choices=["full", "ci"], default="full")
    parser.add_argument(
        "--versions", default=",".join(VERSIONS), type=lambda s: [v for v in s.split(",") if v]
    )
    parser.add_argument("--methods", default=",".join(METHODS), type=lambda s: s.split(","))
    parser.add_argument(
        "--notebooks", default="notebooks/*.ipynb", help="glob patterns, separated by spaces"
    )
    parser.add_argument(
        "--python", action="append", default=[], metavar="LABEL=PATH", help="an extra interpreter"
    )
    parser.add_argument(
        "--prepare", action="store_true", help="only create and install the legs' venvs"
    )
    args = parser.parse_args(argv)
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        parser.error(f"--methods: {sorted(unknown)} not offered here; choose from {list(METHODS)}")

    legs, missing = plan(args)
    in_ci = os.environ.get("CI", "").lower() == "true"
    for version in missing:
        print(f"{'ERROR' if in_ci else 'skipped'}: Python {version} not found", flush=True)
    if args.prepare:
        return prepare(legs) or (1 if missing and in_ci else 0)
    for leg in legs:
        run_leg(leg)

    print("\nmatrix summary")
    print(f"{'python':<8} {'start method':<12} {'unit':<7} {'notebooks':<9} {'time':>7}")
    for leg in legs:
        unit = leg.results.get("unit", "-")
        print(
            f"{leg.label:<8} {leg.method or 'default':<12} {unit:<7} "
            f"{leg.results['nbval']:<9} {leg.seconds:6.0f}s"
        )
    for version in missing:
        print(f"{version:<8} {'-':<12} {'missing':<7}")
    failed = [leg for leg in legs if not leg.ok]
    return 1 if failed or (missing and in_ci) else 0


if __name__ == "__main__":
    sys.exit(main())
