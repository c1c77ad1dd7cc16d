"""Explorers: controls, a Run button, a progress bar and a plot, over a plain function.

:class:`Explorer` is the one widget every notebook uses. Give it a function that takes the
controls' values as keyword arguments (plus ``progress``) and returns a matplotlib figure;
it does the rest. The function stays callable without any widget, which is what tests,
papermill and headless runs do.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import ipywidgets as widgets
from IPython.display import Image, display
from matplotlib.figure import Figure

from ..core import machine
from ..core.domains import AnyInt, Choice, Count, Fn, Int, Of, Text, Where, Workers, validated
from ..core.timing import EXECUTOR_KINDS, ExecutorKind, TaskMs
from ..core.workloads import WORKLOAD_KINDS, Kind
from .explore import SpeedupHistory, explore_workers
from .style import EXPLORER_CSS, projector

Compute = Callable[..., Any]
"""``compute(**values, progress=callback)`` returning a ``Figure`` (or ``(Figure, data)``)."""

_CONTROL_STYLE = {"description_width": "150px"}
_CONTROL_LAYOUT = widgets.Layout(width="460px")


@validated
def int_slider(
    description: Text, value: AnyInt, low: AnyInt, high: AnyInt, step: Count = 1
) -> widgets.IntSlider:
    """A slider that can only produce integers in ``low..high`` (invalid values are impossible).

    A starting ``value`` outside the range is moved to its nearest end.
    """
    Int(low).check(high, "high")
    return widgets.IntSlider(
        value=min(max(value, low), high),
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=False,
        style=_CONTROL_STYLE,
        layout=_CONTROL_LAYOUT,
    )


@validated
def dropdown(
    description: Text, options: Annotated[Mapping[str, str], Of(Mapping)], value: Text
) -> widgets.Dropdown:
    """A dropdown over ``{value: label}``; only listed values can be chosen."""
    Choice(options).check(value, "value")
    return widgets.Dropdown(
        options=[(label, key) for key, label in options.items()],
        value=value,
        description=description,
        style=_CONTROL_STYLE,
        layout=_CONTROL_LAYOUT,
    )


@validated
def figure_png(figure: Annotated[Figure, Of(Figure)]) -> Image:
    """The figure as a PNG, shown the same way whatever matplotlib backend the kernel uses."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return Image(buffer.getvalue())


def _controls(controls: object, argument: str) -> dict[str, widgets.ValueWidget]:
    if not isinstance(controls, Mapping):
        raise TypeError(f"{argument} must be a dict of names to widgets; got {controls!r}")
    for name, control in controls.items():
        if not isinstance(name, str) or not isinstance(control, widgets.ValueWidget):
            raise TypeError(
                f"{argument} must map names (str) to widgets; got {name!r}: {control!r}"
            )
    return dict(controls)


#: ``{name: widget}``: the explorer calls ``compute(**{name: widget.value})``.
Controls = Annotated[
    Mapping[str, widgets.ValueWidget], Where(_controls, {}, (3, None, [1], {"n": 3}))
]


class Explorer:
    """Controls + Run + progress + output, calling ``compute`` with the controls' values."""

    @validated
    def __init__(
        self,
        compute: Annotated[Compute, Fn()],
        controls: Controls,
        *,
        title: Text = "",
        run_label: Text = "Run",
    ) -> None:
        self.compute = compute
        self.controls = dict(controls)
        self.title = title
        self.figure: Figure | None = None
        self.data: Any = None
        self.error: BaseException | None = None
        self.button = widgets.Button(
            description=run_label,
            button_style="primary",
            icon="play",
            tooltip="Run with these settings",
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, layout=widgets.Layout(width="220px")
        )
        self.status = widgets.HTML(value="Press <b>Run</b> to measure.")
        self.output = widgets.Output()
        self.button.on_click(lambda _button: self.run())
        header = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = widgets.VBox(
            [
                *header,
                *self.controls.values(),
                widgets.HBox([self.button, self.progress, self.status]),
                self.output,
            ]
        )
        # Stable hooks for the browser test (tests/browser) and for custom styling.
        self.widget.add_class("lab-explorer")
        self.button.add_class("lab-explorer-run")
        self.progress.add_class("lab-explorer-progress")
        self.status.add_class("lab-explorer-status")
        self.output.add_class("lab-explorer-output")
        if projector():  # controls for the back of a room: CSS scoped to this explorer
            self.widget.add_class("lab-projector")
            self.widget.children = (widgets.HTML(EXPLORER_CSS), *self.widget.children)

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)
        self.status.value = f"Running… {done}/{total}"

    def _set_busy(self, busy: bool) -> None:
        self.button.disabled = busy
        for control in self.controls.values():
            control.disabled = busy

    def run(self) -> Figure | None:
        """Run ``compute`` on the current values, show the figure; show errors, never raise."""
        self._set_busy(True)
        self.progress.bar_style = "info"
        self.progress.value = 0
        self.status.value = "Running…"
        self.error = None
        started = time.perf_counter()
        try:
            returned = self.compute(**self.values(), progress=self._on_progress)
        except Exception as error:  # shown to the learner instead of breaking the widget
            self.error = error
            self.progress.bar_style = "danger"
            message = html.escape(f"Error: {error}")
            self.status.value = f"<span style='color:#D55E00'>{message}</span>"
            return None
        finally:
            self._set_busy(False)
        figure, self.data = returned if isinstance(returned, tuple) else (returned, None)
        self.figure = figure
        with self.output:
            self.output.clear_output(wait=True)
            display(figure_png(figure))
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        self.status.value = f"Done in {time.perf_counter() - started:.1f} s."
        return figure

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget, plus one line of HTML for pages that have no kernel.

        Jupyter front ends with a widget manager (JupyterLab, Notebook 7, VS Code) rank the
        widget view first and show the controls; static renderers (the course website,
        nbviewer, GitHub) cannot run it and show the ``text/html`` line instead.
        """
        return {**self.widget._repr_mimebundle_(**kwargs), "text/html": self.static_html()}

    def static_html(self) -> str:
        """What a static page shows: the controls need a kernel. The site build fills the
        empty ``lab-explorer-launch`` span with this notebook's Binder link."""
        name = html.escape(self.title) if self.title else "This explorer"
        return (
            f"<p class='lab-explorer-static'><b>{name}</b>: its controls and its Run button need"
            " a running kernel. Run this notebook in JupyterLab (<code>make lab</code>) or"
            " launch it on Binder<span class='lab-explorer-launch'></span>. The same function,"
            " called once plainly in this notebook, draws its figure here.</p>"
        )


@validated
def worker_explorer(
    kind: Kind = "cpu",
    executor: ExecutorKind = "threads",
    workers: Workers = 2,
    tasks: Count = 8,
    task_ms: TaskMs = 40,
) -> Explorer:
    """Workers, tasks, task size, kind of work, executor and start method → timeline + speedup.

    Values the explorer would refuse are refused here; valid ones outside a slider's range
    (e.g. 100 workers) are moved to its nearest end.
    """
    cores = machine.usable_cores()
    history = SpeedupHistory()

    def compute(**values: Any) -> Figure:
        return explore_workers(**values, history=history)

    controls = {
        "kind": dropdown("Work", WORKLOAD_KINDS, kind),
        "executor": dropdown("Executor", EXECUTOR_KINDS, executor),
        "workers": int_slider("Workers", workers, 1, min(32, max(8, 2 * cores))),
        "tasks": int_slider("Tasks", tasks, 1, 32),
        "task_ms": int_slider("Task size (ms)", task_ms, 10, 200, step=10),
        "start_method": dropdown(
            "Start method",
            {m: m for m in machine.available_start_methods()},
            machine.start_method(),
        ),
    }
    return Explorer(compute, controls, title="Worker explorer")
