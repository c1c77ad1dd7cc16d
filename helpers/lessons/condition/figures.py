"""Notebook 05's explorer figure: who wakes, and when, on a timeline.

:func:`notify_timeline` is the compute function of the lesson's ``Explorer``: it runs
:func:`~helpers.lessons.condition.notify.run_notify_rounds` and draws one row per waiter.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...draw.explore import run_then_draw
from ...draw.plots import finish, new_figure
from ...draw.style import line_width
from ...draw.timeline import draw_spans
from .classes import IMPLEMENTATIONS
from .notify import NOTIFY_MODES, NotifyRun, run_notify_rounds


def _call_label(run: NotifyRun) -> str:
    return {"notify": "notify()", "notify_n": f"notify({run.n})", "notify_all": "notify_all()"}[
        run.mode
    ]


@run_then_draw(run_notify_rounds)
def notify_timeline(run: NotifyRun) -> Figure:
    """Run and draw :func:`run_notify_rounds`: one row per waiter, a dashed line per notify
    call.

    Faded: the thread is waiting (first to be notified, then to get the lock back).
    Solid: it holds the lock again and works. Returns the figure and the run.
    """
    fig, (ax,) = new_figure(width=9.5, height=1.5 + 0.42 * max(2, run.waiters))
    draw_spans(
        ax,
        [r.span for r in run.records],
        run.t0,
        legend=("woken: holds the lock\nand works", "waiting: for a notify,\nthen for the lock"),
    )
    xs = [(moment - run.t0) * 1e3 for moment in run.notifications]
    for x in xs:
        ax.axvline(x, color="#000000", linestyle="--", linewidth=line_width(0.67))
    # Number the calls along the top edge; the legend says which call it is.
    top = ax.secondary_xaxis("top")
    top.set_xticks(xs, labels=[str(k) for k in range(1, len(xs) + 1)], fontsize="x-small")
    top.tick_params(length=2, pad=1)
    legend = ax.get_legend()
    call = Line2D([], [], color="#000000", linestyle="--", linewidth=line_width(0.67))
    ax.legend(
        handles=[*legend.legend_handles, call],
        labels=[
            *(t.get_text() for t in legend.get_texts()),
            f"{_call_label(run)} call,\nnumbered on top",
        ],
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    end = max((r.span.end for r in run.records), default=run.t0)
    ax.set_xlim(0, max((end - run.t0) * 1e3 * 1.03, 1.0))
    finish(
        ax,
        xlabel="time since the first waiter started (ms)",
        ylabel="waiting thread",
        title=(
            f"{NOTIFY_MODES[run.mode]} — {run.waiters} waiters, each works {run.work_ms:g} ms "
            f"holding the lock\non {IMPLEMENTATIONS[run.implementation]}; "
            f"wake order {run.wake_order}"
        ),
    )
    ax.grid(False, axis="y")
    return fig
