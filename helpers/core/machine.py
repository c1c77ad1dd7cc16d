"""What this kernel runs on: usable cores, Python build, the GIL, the multiprocessing start method.

Every notebook opens with :func:`report` so that the numbers a learner sees can be read against
the machine that produced them. Demos call :func:`usable_cores` and :func:`mp_context` so that
they adapt to that machine instead of assuming one.
"""

from __future__ import annotations

import html
import math
import multiprocessing
import multiprocessing.context
import os
import platform
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from .domains import Choice, Of, validated

#: The one switch that selects the start method for every process demo in the course.
START_METHOD_ENV = "LAB_START_METHOD"

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def available_start_methods() -> list[str]:
    """The start methods this platform offers, e.g. ``['fork', 'spawn', 'forkserver']``."""
    return multiprocessing.get_all_start_methods()


def platform_default_start_method() -> str:
    """The start method Python would use here if nobody chose one.

    Linux: ``fork`` up to 3.13, ``forkserver`` from 3.14. macOS: ``spawn`` since 3.8.
    Windows: always ``spawn``.
    """
    return multiprocessing.get_context().get_start_method()


#: A start method this platform offers, or None for the course's setting (:func:`start_method`).
StartMethod = Annotated[str | None, Choice(available_start_methods(), optional=True)]


def start_method() -> str:
    """The start method the course uses: ``$LAB_START_METHOD`` if set, else the platform's."""
    return _course_start_method()


def _course_start_method() -> str:
    chosen = os.environ.get(START_METHOD_ENV, "").strip()
    if chosen:
        Choice(available_start_methods()).check(chosen, f"${START_METHOD_ENV}")
        return chosen
    return platform_default_start_method()


@validated
def mp_context(start_method: StartMethod = None) -> multiprocessing.context.BaseContext:
    """A multiprocessing context for ``start_method`` (default: the course's, :func:`start_method`).

    Demos pass this explicitly (``ProcessPoolExecutor(mp_context=...)``) instead of relying on
    the global default, so a notebook behaves the same whatever ran before it in the kernel.
    """
    return multiprocessing.get_context(start_method or _course_start_method())


def logical_cpus() -> int:
    """All CPUs the operating system reports, whether or not this process may use them."""
    return os.cpu_count() or 1


def affinity_cpus() -> int:
    """CPUs this process is allowed to run on (affinity mask), where the OS tells us."""
    if hasattr(os, "process_cpu_count"):  # 3.13+: affinity-aware
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return logical_cpus()


@validated
def cpu_quota(root: Annotated[Path, Of(os.PathLike)] = _CGROUP_ROOT) -> float | None:
    """The container CPU limit in cores (cgroup v2 ``cpu.max`` or v1 CFS quota), if any.

    Binder pods and many containers see every CPU of the host but may only use a share of them;
    the share lives here, not in the affinity mask. ``root`` is where cgroups are mounted.
    """
    root = Path(root)
    try:
        v2 = root / "cpu.max"
        if v2.exists():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        v1_quota = root / "cpu" / "cpu.cfs_quota_us"
        v1_period = root / "cpu" / "cpu.cfs_period_us"
        if v1_quota.exists() and v1_period.exists():
            quota_us = int(v1_quota.read_text())
            return None if quota_us <= 0 else quota_us / int(v1_period.read_text())
    except (OSError, ValueError):
        return None
    return None


def usable_cores() -> int:
    """How many cores this process can really keep busy at once (at least 1).

    The smaller of the affinity mask and the container quota (rounded, a quota of 1.5 cores
    counts as 2 only if it is at least 1.5). This is the ceiling for CPU-bound speedup.
    """
    cores = affinity_cpus()
    quota = cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.floor(quota + 0.5)))
    return max(1, cores)


def free_threaded_build() -> bool:
    """True for a build configured with ``--disable-gil`` (PEP 703, e.g. ``python3.13t``)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """Whether the GIL is enabled right now.

    ``sys._is_gil_enabled()`` exists from 3.13. A free-threaded build may still turn the GIL on
    (``PYTHON_GIL=1``, ``-X gil=1``, or an extension module that is not marked as safe).
    Before 3.13 every CPython has the GIL.
    """
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


@dataclass(frozen=True)
class MachineInfo:
    """A snapshot of the facts that decide what the demos can show."""

    python: str
    implementation: str
    free_threaded: bool
    gil_enabled: bool
    platform: str
    logical_cpus: int
    affinity_cpus: int
    cpu_quota: float | None
    usable_cores: int
    start_method: str
    start_method_source: str

    def rows(self) -> list[tuple[str, str]]:
        quota = "none" if self.cpu_quota is None else f"{self.cpu_quota:g} cores"
        build = "free-threaded (PEP 703)" if self.free_threaded else "default (with GIL)"
        return [
            ("Python", f"{self.python} ({self.implementation})"),
            ("Build", build),
            ("GIL enabled", "yes" if self.gil_enabled else "no"),
            ("Platform", self.platform),
            ("CPUs reported by the OS", str(self.logical_cpus)),
            ("CPUs this process may use", str(self.affinity_cpus)),
            ("Container CPU quota", quota),
            ("Usable cores (used by the demos)", str(self.usable_cores)),
            ("Process start method", f"{self.start_method} ({self.start_method_source})"),
        ]

    def advice(self) -> str:
        """One or two sentences on what this machine means for the demos."""
        if self.usable_cores == 1:
            parallel = (
                "Only one core is usable here, so no executor can run CPU-bound work in "
                "parallel: processes cannot beat threads on this machine (they only add "
                "start-up cost). I/O-bound work still overlaps."
            )
        else:
            parallel = (
                f"{self.usable_cores} usable cores: CPU-bound work can speed up at most "
                f"{self.usable_cores}x, and only where Python code really runs in parallel."
            )
        one_core = self.usable_cores == 1
        if self.gil_enabled and one_core:
            gil = "The GIL is on: pure-Python threads take turns."
        elif self.gil_enabled:
            gil = "The GIL is on: pure-Python threads take turns, processes run in parallel."
        elif one_core:
            gil = "The GIL is off, but with one core this build's threads still take turns."
        else:
            gil = "The GIL is off: pure-Python threads can run in parallel on this build."
        return f"{parallel} {gil}"

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        lines = [f"{name:<{width}}  {value}" for name, value in self.rows()]
        return "\n".join([*lines, "", self.advice()])

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for name, value in self.rows()
        )
        return f"<table>{body}</table><p>{html.escape(self.advice())}</p>"


def report() -> MachineInfo:
    """Collect the machine facts. Display the result in a notebook to see them as a table."""
    overridden = bool(os.environ.get(START_METHOD_ENV, "").strip())
    return MachineInfo(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        free_threaded=free_threaded_build(),
        gil_enabled=gil_enabled(),
        platform=f"{platform.system()} {platform.machine()}",
        logical_cpus=logical_cpus(),
        affinity_cpus=affinity_cpus(),
        cpu_quota=cpu_quota(),
        usable_cores=usable_cores(),
        start_method=start_method(),
        start_method_source=f"set by ${START_METHOD_ENV}" if overridden else "platform default",
    )
