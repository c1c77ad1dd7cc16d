"""Which cell shows what a thread prints: it depends on the kernel, so detect it, then say it.

Jupyter's Python kernel (ipykernel) attaches every piece of output to a request, the cell it
belongs to. For output printed by a thread, the rule has changed twice:

* before 6.29, and again from 7.1 on (ipykernel PR #1451), it goes to the cell that is running
  (or ran last) at the moment the thread prints;
* from 6.29 to 7.0 (PR #1186) it goes to the cell that *started* the thread, even after that
  cell has finished;
* from 7.1 on, a thread that inherits the starting cell's ``contextvars`` context sees that
  cell's request, so its output goes there (ipykernel issue #1491). Threads inherit the context
  by default on free-threaded 3.14 (``sys.flags.thread_inherit_context``).

``tests/lessons/threading/test_thread_output.py`` checks the rule stated here against a real
kernel.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import OptionalText, Where, validated

LATEST = "latest cell"
STARTING = "starting cell"


def _flag_or_none(value: object, argument: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{argument} must be True, False or None (detect); got {value!r}")


#: True or False, or None to detect it in this interpreter.
OptionalFlag = Annotated[bool | None, Where(_flag_or_none, None, (0, 1, "yes"))]


def running_kernel_version() -> str | None:
    """The version of the ipykernel running this code, or None outside a Jupyter kernel."""
    module = sys.modules.get("ipykernel")
    version = getattr(module, "__version__", None)
    return version if isinstance(version, str) else None


def threads_inherit_context() -> bool:
    """Whether a new thread starts with a copy of its starter's ``contextvars`` context.

    ``sys.flags.thread_inherit_context`` exists from 3.14 (on by default in free-threaded
    builds); before 3.14 a thread always starts with an empty context.
    """
    return bool(getattr(sys.flags, "thread_inherit_context", 0))


def _major_minor(version: str) -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", version)
    if found is None:
        raise ValueError(f"kernel_version must look like '7.1.0'; got {version!r}")
    return int(found.group(1)), int(found.group(2))


@dataclass(frozen=True)
class OutputRouting:
    """Where a thread's output lands in this kernel, and why."""

    kernel: str | None  # ipykernel version; None outside a kernel
    inherits_context: bool
    target: str | None  # LATEST or STARTING; None outside a kernel

    def __str__(self) -> str:
        if self.kernel is None or self.target is None:
            return "Not running in a Jupyter kernel: printed lines go straight to the terminal."
        if self.target == LATEST:
            return (
                f"ipykernel {self.kernel}: a thread's output goes to the cell that is running "
                "(or ran last) when the thread prints, not to the cell that started the thread."
            )
        if self.inherits_context and _major_minor(self.kernel) >= (7, 1):
            return (
                f"ipykernel {self.kernel}, and threads here inherit their starter's context "
                "(sys.flags.thread_inherit_context): a thread's output goes to the cell that "
                "started it, even after that cell has finished (ipykernel issue #1491)."
            )
        return (
            f"ipykernel {self.kernel}: a thread's output goes to the cell that started it, even "
            "after that cell has finished (the rule from 6.29 to 7.0, ipykernel PR #1186)."
        )


@validated
def thread_output_routing(
    kernel_version: OptionalText = None, inherits_context: OptionalFlag = None
) -> OutputRouting:
    """Where output printed by a thread lands, for this kernel (or the version given)."""
    kernel = running_kernel_version() if kernel_version is None else kernel_version
    inherits = threads_inherit_context() if inherits_context is None else inherits_context
    if kernel is None:
        return OutputRouting(None, inherits, None)
    version = _major_minor(kernel)
    pinned = (6, 29) <= version < (7, 1)  # PR #1186: routed by the thread that started it
    inherited = version >= (7, 1) and inherits  # issue #1491: the context carries the cell
    target = STARTING if pinned or inherited else LATEST
    return OutputRouting(kernel, inherits, target)
