"""Notebook 00's central picture, read aloud: what *this* build and *these* cores show.

The same four panels mean different things on a standard CPython and on a free-threaded one,
on one core and on many. :func:`read_the_picture` says which case this is, with the speedups
measured, so no sentence next to the picture is false on the machine that drew it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from ...core import machine
from ...core.domains import Int, Items, Of, Where, validated
from ...core.timing import Measurement


def _flag_or_none(value: object, argument: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{argument} must be True, False or None (detect); got {value!r}")


#: True or False, or None to detect it on this machine.
OptionalFlag = Annotated[bool | None, Where(_flag_or_none, None, (0, 1, "yes"))]
Measurements = Annotated[Sequence[Measurement], Items(Of(Measurement), what="measurement")]


def _cpu_on_threads(speedup: float, gil: bool, cores: int) -> str:
    said = f"CPU-bound on threads ({speedup:.2f}x): "
    if gil:
        return said + (
            "the solid stripes alternate between the rows. With the GIL only one thread runs "
            "Python at a time; they hand it back and forth every few milliseconds (notebook 01 "
            "shows how), so the speedup stays near 1x however many threads you add."
        )
    if cores == 1:
        return said + (
            "the GIL is off on this build, but there is one usable core, so the threads take "
            "turns on the core instead."
        )
    return said + (
        "the GIL is off on this build, so the threads run Python at the same time, up to one "
        f"thread per usable core ({cores} here)."
    )


def _cpu_on_processes(speedup: float, gil: bool, cores: int) -> str:
    own = "its own interpreter and its own GIL" if gil else "its own interpreter"
    said = f"CPU-bound on processes ({speedup:.2f}x): each process has {own}, "
    if cores == 1:
        return said + (
            "but this machine has one usable core: the processes share it and take turns, so "
            "they cannot beat one after another."
        )
    return said + f"so the bars run side by side, up to one process per usable core ({cores})."


@validated
def read_the_picture(
    runs: Measurements,
    cores: Annotated[int | None, Int(1, optional=True)] = None,
    gil: OptionalFlag = None,
) -> str:
    """How to read :func:`helpers.draw.explore.compare_executors`'s panels, on this machine.

    ``cores`` and ``gil`` default to this kernel's (:mod:`helpers.core.machine`); the speedups
    come from ``runs``. Panels that were not measured are left out.
    """
    cores = machine.usable_cores() if cores is None else cores
    gil = machine.gil_enabled() if gil is None else gil
    found = {(m.run.kind, m.run.executor): m.speedup for m in runs}
    lines = []
    if ("cpu", "threads") in found:
        lines.append(_cpu_on_threads(found[("cpu", "threads")], gil, cores))
    if ("cpu", "processes") in found:
        lines.append(_cpu_on_processes(found[("cpu", "processes")], gil, cores))
    waits = [
        f"{found[('io', ex)]:.2f}x on {ex}"
        for ex in ("threads", "processes")
        if ("io", ex) in found
    ]
    if waits:
        released = "neither a core nor the GIL" if gil else "no core"
        lines.append(
            f"I/O-bound ({', '.join(waits)}): waiting needs {released}, so the waits overlap "
            "on threads and on processes alike. Threads are the cheaper choice for it."
        )
    off = [m for m in runs if not _plausible(m, gil, cores)]
    if off:
        which = ", ".join(f"{m.run.kind} on {m.run.executor} {m.speedup:.2f}x" for m in off)
        lines.append(
            f"Not what this build and these cores allow: {which}. Other programs were using "
            "the cores while it measured; the explanations still hold. Run the cell again "
            "when the machine is quieter."
        )
    return "\n".join(f"- {line}" for line in lines)


def _plausible(m: Measurement, gil: bool, cores: int) -> bool:
    """Whether a speedup is near what the build and the cores allow (0.7x to 1.2x of it)."""
    allowed = m.ideal if m.run.kind == "io" else m.limit
    if m.run.kind == "cpu" and m.run.executor == "threads" and gil:
        allowed = 1.0  # with the GIL, pure Python on threads never beats one after another
    return 0.7 * allowed <= m.speedup <= 1.2 * allowed
