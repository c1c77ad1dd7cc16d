"""What the running interpreter offers for running Python in parallel, evaluated live."""

from __future__ import annotations

import importlib.util
import platform
import sys
from dataclasses import dataclass

from ...core import machine


@dataclass(frozen=True)
class InterpreterFeatures:
    """Facts about the running interpreter that decide how Python code can run in parallel."""

    version: str
    implementation: str
    free_threaded_build: bool
    has_is_gil_enabled: bool
    gil_enabled: bool
    subinterpreters: bool
    interpreter_pool: bool

    def rows(self) -> list[tuple[str, str]]:
        probe = (
            f"sys._is_gil_enabled() → {self.gil_enabled}"
            if self.has_is_gil_enabled
            else "sys._is_gil_enabled does not exist here (before 3.13): the GIL is always on"
        )
        return [
            ("Python", f"{self.version} ({self.implementation})"),
            ("Free-threaded build (PEP 703)", "yes" if self.free_threaded_build else "no"),
            ("GIL right now", probe),
            (
                "concurrent.interpreters (PEP 734)",
                "available" if self.subinterpreters else "not in this version (3.14+)",
            ),
            (
                "InterpreterPoolExecutor",
                "available" if self.interpreter_pool else "not in this version (3.14+)",
            ),
        ]

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        return "\n".join(f"{name:<{width}}  {value}" for name, value in self.rows())


def interpreter_features() -> InterpreterFeatures:
    """Evaluate, live, what this interpreter offers (nothing is assumed from the version)."""
    try:
        subinterpreters = importlib.util.find_spec("concurrent.interpreters") is not None
    except (ImportError, ValueError):
        subinterpreters = False
    import concurrent.futures

    return InterpreterFeatures(
        version=platform.python_version(),
        implementation=platform.python_implementation(),
        free_threaded_build=machine.free_threaded_build(),
        has_is_gil_enabled=hasattr(sys, "_is_gil_enabled"),
        gil_enabled=machine.gil_enabled(),
        subinterpreters=subinterpreters,
        interpreter_pool=hasattr(concurrent.futures, "InterpreterPoolExecutor"),
    )
