"""Notebook 09's explorer: one message size, a number of messages, one mechanism or all four.

:func:`explore_ipc` measures and draws every round trip (the spread matters as much as the
median) and the streaming throughput; :func:`ipc_explorer` puts controls over it.
"""

from __future__ import annotations

from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Choice, Count, Progress, validated
from ...core.machine import StartMethod
from ...draw.plots import colour, finish, new_figure, plain_log_ticks
from ...draw.widgets import Explorer, dropdown, int_slider
from .mechanisms import (
    MECHANISMS,
    MESSAGE_SIZES,
    IpcResult,
    Messages,
    Size,
    measure_ipc,
    size_label,
)

_EXPLORER_BUDGET = 256 * 1024 * 1024  # bytes per measurement, whatever the sliders say


@validated
def explore_ipc(
    size: Size = 64 * 1024,
    count: Messages = 100,
    mechanism: Annotated[str, Choice(["all", *MECHANISMS])] = "all",
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> tuple[Figure, list[IpcResult]]:
    """The explorer's compute: one message size, ``count`` messages, one or all mechanisms.

    Left: every round trip as a box plot (the spread matters as much as the median).
    Right: streaming throughput.
    """
    chosen = list(MECHANISMS) if mechanism == "all" else [mechanism]
    results = measure_ipc(
        chosen,
        [size],
        count,
        budget_bytes=min(size * count, _EXPLORER_BUDGET),
        start_method=start_method,
        progress=progress,
    )
    fig, (left, right) = new_figure(ncols=2, width=6.2, height=3.6)
    labels = [MECHANISMS[r.mechanism].replace(" + ", "\n+ ") for r in results]
    shades = [colour(list(MECHANISMS).index(r.mechanism)) for r in results]
    boxes = left.boxplot(
        [[t * 1e6 for t in r.round_trips] for r in results],
        showfliers=True,
        patch_artist=True,
        widths=0.6,
    )
    for box, shade in zip(boxes["boxes"], shades, strict=True):
        box.set(facecolor=shade, alpha=0.6)
    left.set_xticks(range(1, len(results) + 1), labels, fontsize="small")
    left.set_yscale("log")
    plain_log_ticks(left.yaxis)
    finish(
        left, xlabel="", ylabel="round trip (µs, log scale)", title="Latency of every round trip"
    )
    bars = right.bar(labels, [r.throughput / 1e6 for r in results], color=shades)
    right.bar_label(bars, labels=[f"{r.throughput / 1e6:,.0f}" for r in results], fontsize="small")
    right.tick_params(axis="x", labelsize="small")
    finish(right, xlabel="", ylabel="throughput (MB/s)", title="Throughput, streaming")
    right.set_ylim(0, max(r.throughput for r in results) / 1e6 * 1.2)
    fig.suptitle(
        f"{results[0].count} messages of {size_label(size)} "
        f"(start method: {results[0].start_method})",
        fontsize="large",
    )
    return fig, results


@validated
def ipc_explorer(
    size: Annotated[int, Choice(MESSAGE_SIZES)] = 64 * 1024, count: Count = 100
) -> Explorer:
    """Sliders and dropdowns over :func:`explore_ipc`.

    ``size`` must be one of :data:`MESSAGE_SIZES` (the dropdown's values); a ``count`` outside
    the slider's range is moved to its nearest end.
    """
    controls = {
        "size": dropdown("Message size", {str(s): size_label(s) for s in MESSAGE_SIZES}, str(size)),
        "count": int_slider("Messages", count, 10, 1_000, step=10),
        "mechanism": dropdown("Mechanism", {"all": "all four", **MECHANISMS}, "all"),
        "start_method": dropdown(
            "Start method",
            {m: m for m in machine.available_start_methods()},
            machine.start_method(),
        ),
    }

    def compute(size: str, **values: Any) -> tuple[Figure, list[IpcResult]]:
        return explore_ipc(size=int(size), **values)

    return Explorer(compute, controls, title="IPC explorer: message size, count, mechanism")
