"""Be the scheduler: a button per thread, each click one step of real CPython code.

``Scheduler(level)`` shows the level's goal, every thread's code with its next line
highlighted (and the instruction, at one instruction per step), why a thread cannot step
(blocked on which lock, held by whom), the shared values, and a status: goal reached,
deadlock, invariant broken, all finished. Undo, Reset, a line/instruction toggle, and "Show me"
(which plays the shortest schedule that reaches the goal, step by step).

Every step replays the schedule from scratch (:func:`helpers.lab.replay`): the schedule *is*
the state, so undo is the schedule minus its last step, and nothing (no thread, no patch)
lives on between two clicks. Errors go into the status line, never into a traceback.

Headless (nbval, papermill, tests): ``scheduler.step("A")``, ``.undo()``, ``.reset()``,
``.show_me()``, ``.snapshot``, ``.status`` and ``.html()``, an HTML rendering of the current
state with the same CSS classes as the widget (``lab-scheduler``, ``lab-step-<thread>``,
``lab-goal``, ``lab-status``, ``lab-values``, ``lab-code``, ``lab-current``).
"""

from __future__ import annotations

import contextlib
import html
import time
from typing import Annotated, Any

from ..core.checks import FAIL_COLOUR, PASS_COLOUR
from ..core.domains import Choice, Number, Of, validated
from .levels import Level
from .records import GRANULARITIES, Program
from .run import Replay, Run, Snapshot, replay
from .search import explore
from .stepping import listing

Source = Annotated[Level | Program, Of((Level, Program))]

_CSS = f"""<style>
.lab-scheduler{{font-family:sans-serif;font-size:13px}}
.lab-scheduler .lab-goal{{font-weight:bold;margin:2px 0}}
.lab-scheduler .lab-status{{margin:2px 0 6px}}
.lab-status-goal{{color:{PASS_COLOUR};font-weight:bold}}.lab-status-deadlock,.lab-status-invariant,
.lab-status-exception,.lab-status-error{{color:{FAIL_COLOUR};font-weight:bold}}
.lab-threads{{display:flex;gap:12px;flex-wrap:wrap}}
.lab-thread{{border:1px solid #ccc;border-radius:4px;padding:4px;min-width:260px}}
.lab-code{{font-family:monospace;font-size:12px;white-space:pre;margin:0}}
.lab-current{{background:#FFE08A}}.lab-reason{{color:#555;font-size:12px}}
.lab-values td{{padding:0 8px;font-family:monospace}}
</style>"""


class Scheduler:
    """The lab's widget for one level (or a bare program). See the module docstring."""

    @validated
    def __init__(
        self,
        source: Source,
        *,
        granularity: Annotated[str | None, Choice(GRANULARITIES, optional=True)] = None,
        delay: Annotated[float, Number(0, 5, unit="seconds")] = 0.3,
    ) -> None:
        self.level = source if isinstance(source, Level) else None
        self._program = source if isinstance(source, Program) else None
        base = self.level.granularity if self.level else source.granularity  # type: ignore[union-attr]
        self.granularity = granularity or base
        self.delay = delay
        self.schedule: list[str] = []
        self.replayed: Replay | None = None
        self.error = ""
        self._counterexamples: dict[str, list[str] | None] = {}
        self._view: Any = None
        from .session import support

        supported = support()
        self.unavailable = "" if supported.ok else supported.reason
        if self.unavailable:
            self.replayed = Replay((), Snapshot((), {}, (), None, 0.0), None)
            return
        self._guarded(lambda: self._replay([]))

    # --- What a learner does (the buttons call these) -------------------------------------

    @property
    def program(self) -> Program:
        if self.level is not None:
            return self.level.program(granularity=self.granularity)
        assert self._program is not None
        if self._program.granularity == self.granularity:
            return self._program
        from dataclasses import replace

        return replace(self._program, granularity=self.granularity, stepping=None)

    @property
    def snapshot(self) -> Snapshot:
        assert self.replayed is not None
        return self.replayed.snapshot

    def step(self, thread: str) -> Snapshot:
        """One step of ``thread``. A thread that cannot step leaves the state as it is and says
        why in :attr:`status` (no exception)."""
        self._guarded(lambda: self._replay([*self.schedule, str(thread)]))
        return self.snapshot

    def undo(self) -> Snapshot:
        if self.schedule:
            self._guarded(lambda: self._replay(self.schedule[:-1]))
        return self.snapshot

    def reset(self) -> Snapshot:
        self._guarded(lambda: self._replay([]))
        return self.snapshot

    @validated
    def set_granularity(self, granularity: Annotated[str, Choice(GRANULARITIES)]) -> Snapshot:
        """One instruction or one line per step. A schedule of one does not fit the other:
        the run starts over."""
        if granularity != self.granularity:
            self.granularity = granularity
            self._guarded(lambda: self._replay([]))
            self.error = ""
        return self.snapshot

    def counterexample(self) -> list[str] | None:
        """The shortest schedule that reaches the goal at this granularity (searched once)."""
        if self.granularity not in self._counterexamples:
            if self.level is not None and self.granularity == self.level.granularity:
                verdict = self.level.search()
            else:
                failing = self.level.goal if self.level is not None else None
                preemptions = self.level.preemptions if self.level is not None else 2
                verdict = explore(self.program, failing=failing, preemptions=preemptions)
            ce = verdict.counterexample
            self._counterexamples[self.granularity] = list(ce.schedule) if ce else None
        return self._counterexamples[self.granularity]

    def show_me(self, *, animate: bool = False) -> Snapshot:
        """Play the shortest schedule that reaches the goal (step by step with ``animate``)."""

        def play() -> None:
            schedule = self.counterexample()
            if schedule is None:
                self.error = "no schedule reaches the goal within the search's bound"
                return
            if not animate or self._view is None:
                self._replay(schedule)
                return
            with Run(self.program) as run:  # one run, stepped in front of the learner
                self.schedule = []
                for name in schedule:
                    run.step(name)
                    self.schedule.append(name)
                    self.replayed = Replay(tuple(run.steps), run.snapshot(), run.outcome)
                    self._render()
                    time.sleep(self.delay)

        self._guarded(play)
        return self.snapshot

    # --- State ------------------------------------------------------------------------------

    def _replay(self, schedule: list[str]) -> None:
        self.replayed = replay(self.program, schedule)
        self.schedule = list(schedule)
        self.error = ""

    def _guarded(self, action: Any) -> None:
        if self.unavailable:
            self._render()
            return
        try:
            action()
        except (ValueError, RuntimeError) as error:  # a refused step, a run that went wrong
            self.error = str(error)
        except Exception as error:  # never a traceback in the notebook
            self.error = f"{type(error).__name__}: {error}"
        if self.replayed is None:  # the very first replay failed: show an empty state
            self.replayed = Replay((), Snapshot((), {}, (), None, 0.0), None)
        self._render()

    @property
    def goal(self) -> str:
        return self.level.goal.sentence if self.level is not None else ""

    @property
    def goal_reached(self) -> bool:
        if self.unavailable:
            return False
        outcome = self.snapshot.outcome
        return bool(self.level is not None and outcome is not None and self.level.goal(outcome))

    @property
    def status_kind(self) -> str:
        """``unavailable``, ``error``, ``goal``, ``deadlock``, ``invariant``, ``exception``,
        ``finished``, ``running``."""
        if self.unavailable:
            return "unavailable"
        if self.error:
            return "error"
        outcome = self.snapshot.outcome
        if outcome is None:
            return "running"
        if self.goal_reached:
            return "goal"
        return {"check": "finished", "step-limit": "invariant"}.get(outcome.kind, outcome.kind)

    @property
    def status(self) -> str:
        kind = self.status_kind
        outcome = self.snapshot.outcome
        steps = len(self.schedule)
        if kind == "unavailable":
            return (
                f"The interleaving lab cannot run on this Python: {self.unavailable}. "
                "Everything else in this notebook runs as usual."
            )
        if kind == "error":
            return f"That step is not possible: {self.error}"
        if kind == "running":
            who = ", ".join(self.snapshot.runnable) or "nobody"
            return f"Step {steps}. Who runs next? ({who} can.)"
        assert outcome is not None
        if kind == "goal":
            return f"Goal reached in {steps} steps! {outcome.message}."
        if kind == "deadlock":
            return f"Deadlock after {steps} steps: {outcome.message}."
        if kind == "invariant":
            return f"Invariant broken: {outcome.message}."
        if kind == "exception":
            return f"A thread raised: {outcome.message}."
        return f"All finished after {steps} steps, goal not reached ({outcome.message}). Reset?"

    # --- Rendering --------------------------------------------------------------------------

    def html(self) -> str:
        """The current state as HTML: what the widget shows, without the buttons' behaviour."""
        snap = self.snapshot
        parts = [_CSS, "<div class='lab-scheduler'>"]
        if self.goal:
            parts.append(f"<div class='lab-goal'>Goal: {html.escape(self.goal)}</div>")
        parts.append(
            f"<div class='lab-status lab-status-{self.status_kind}'>"
            f"{html.escape(self.status)}</div>"
        )
        parts.append("<div class='lab-threads'>")
        for view in snap.threads:
            disabled = "" if view.can_step else " disabled"
            label = {"timeout": "time out", "resume": "wake"}.get(view.step_kind, "step")
            parts.append(
                f"<div class='lab-thread lab-thread-{view.name}'>"
                f"<button class='lab-step lab-step-{view.name}' title='{html.escape(view.reason)}'"
                f"{disabled}>{label} {html.escape(view.name)}</button> "
                f"<span class='lab-reason'>{html.escape(view.reason)}</span>"
                f"{_code_html(view, self.granularity)}</div>"
            )
        parts.append("</div>")
        parts.append(_values_html(snap.values))
        schedule = " ".join(self.schedule) or "(none yet)"
        parts.append(f"<div class='lab-schedule'>schedule: {html.escape(schedule)}</div></div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return f"{self.goal}\n{self.status}\n{self.snapshot}"

    def _render(self) -> None:
        if self._view is not None:
            self._view.update(self)

    @property
    def widget(self) -> Any:
        """The ipywidgets view (made on first use)."""
        if self._view is None:
            self._view = _View(self)
            self._view.update(self)
        return self._view.box

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Live buttons where a widget manager runs (JupyterLab), the static rendering where
        none does (nbval, papermill, the website), and the plain text in a terminal: one
        output with all three, so every page shows the level."""
        bundle: dict[str, Any] = {}
        with contextlib.suppress(ImportError):  # no ipywidgets: the static rendering alone
            bundle.update(self.widget._repr_mimebundle_(**kwargs) or {})
        # The widget's own text is only "VBox(...)"; the state says more.
        return {**bundle, "text/plain": str(self), "text/html": self.html()}


def _code_html(view: Any, granularity: str) -> str:
    pos = view.position
    if pos is None:
        return ""
    rows = []
    for number, text in listing(pos):
        current = number == pos.line and view.status not in ("finished", "raised")
        css = " class='lab-current'" if current else ""
        op = f"   ← {pos.opname}" if current and granularity == "instruction" else ""
        rows.append(f"<span{css}>{number:>4} {html.escape(text)}{html.escape(op)}</span>")
    return "<pre class='lab-code'>" + "\n".join(rows) + "</pre>"


def _values_html(values: dict[str, str]) -> str:
    if not values:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in values.items()
    )
    return f"<table class='lab-values'>{rows}</table>"


class _View:
    """The ipywidgets side: buttons that call the scheduler, HTML panes it fills."""

    def __init__(self, scheduler: Scheduler) -> None:
        import ipywidgets as w

        self.w = w
        self.scheduler = scheduler
        self.goal = w.HTML()
        self.goal.add_class("lab-goal")
        self.status = w.HTML()
        self.status.add_class("lab-status")
        self.threads = w.HBox()
        self.values = w.HTML()
        self.values.add_class("lab-values")
        self.granularity = w.ToggleButtons(
            options=list(GRANULARITIES), value=scheduler.granularity, description="one step:"
        )
        self.granularity.add_class("lab-granularity")
        self.granularity.observe(self._granularity, names="value")
        self.undo = self._button("Undo", "lab-undo", lambda _: scheduler.undo())
        self.reset = self._button("Reset", "lab-reset", lambda _: scheduler.reset())
        self.show_me = self._button(
            "Show me", "lab-show-me", lambda _: scheduler.show_me(animate=True)
        )
        self.buttons: dict[str, Any] = {}
        self.codes: dict[str, Any] = {}
        controls = w.HBox([self.granularity, self.undo, self.reset, self.show_me])
        self.box = w.VBox([self.goal, self.status, self.threads, self.values, controls])
        self.box.add_class("lab-scheduler")

    def _button(self, text: str, css: str, action: Any) -> Any:
        button = self.w.Button(description=text)
        button.add_class(css)
        button.on_click(action)
        return button

    def _granularity(self, change: Any) -> None:
        self.scheduler.set_granularity(change["new"])

    def update(self, scheduler: Scheduler) -> None:
        w = self.w
        snap = scheduler.snapshot
        self.goal.value = f"<b>Goal:</b> {html.escape(scheduler.goal)}" if scheduler.goal else ""
        kind, text = scheduler.status_kind, html.escape(scheduler.status)
        self.status.value = f"<span class='lab-status-{kind}'>{text}</span>"
        names = [view.name for view in snap.threads]
        if names != list(self.buttons):  # threads started by the code under test appear
            self.buttons, self.codes, columns = {}, {}, []
            for name in names:
                button = w.Button(description=f"step {name}")
                button.add_class(f"lab-step-{name}")
                button.on_click(lambda _, n=name: scheduler.step(n))
                code = w.HTML()
                code.add_class("lab-code")
                self.buttons[name], self.codes[name] = button, code
                columns.append(w.VBox([button, code]))
            self.threads.children = columns
        for view in snap.threads:
            button = self.buttons[view.name]
            button.disabled = not view.can_step
            verb = {"timeout": "time out", "resume": "wake"}.get(view.step_kind, "step")
            button.description = f"{verb} {view.name}"
            button.tooltip = view.reason
            self.codes[view.name].value = (
                f"{_CSS}<div class='lab-reason'>{html.escape(view.reason)}</div>"
                f"{_code_html(view, scheduler.granularity)}"
            )
        self.values.value = _CSS + _values_html(snap.values)
        self.undo.disabled = not scheduler.schedule
