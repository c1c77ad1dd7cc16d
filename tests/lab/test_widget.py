"""The "be the scheduler" widget, driven headless: its API, its HTML, its ipywidgets view."""

from __future__ import annotations

from programs import Two, ab, ba

from helpers.lab import Goal, Level, program, reach_deadlock
from helpers.lab.widget import Scheduler

LEVEL = Level(
    key="test_deadlock",
    title="Deadlock",
    threads={"A": ab, "B": ba},
    setup=Two,
    show=lambda s: {"a": s.a, "b": s.b},
    goal=reach_deadlock("deadlock the two threads"),
    hint="A takes a, B takes b.",
    granularity="line",
    fixed={"A": ab, "B": ab},
)


def test_stepping_to_the_goal_by_hand() -> None:
    s = Scheduler(LEVEL)
    assert s.status_kind == "running" and "A, B can" in s.status
    for name in "ABAB":
        s.step(name)
    assert s.status_kind == "goal" and s.goal_reached
    a = s.snapshot.thread("A")
    assert not a.can_step and "held by B" in a.reason


def test_a_refused_step_goes_into_the_status_not_a_traceback() -> None:
    s = Scheduler(LEVEL)
    s.step("A")
    s.step("B")
    s.step("A")  # A now waits for b
    before = list(s.schedule)
    s.step("A")  # blocked: refused
    assert s.status_kind == "error" and "cannot step" in s.status
    assert s.schedule == before
    s.step("nobody")
    assert s.status_kind == "error" and "not in this run" in s.status


def test_undo_and_reset_replay_the_schedule() -> None:
    s = Scheduler(LEVEL)
    s.step("A")
    s.step("B")
    held = s.snapshot.values
    s.step("A")
    s.undo()
    assert s.schedule == ["A", "B"] and s.snapshot.values == held
    s.reset()
    assert s.schedule == [] and s.status_kind == "running"


def test_show_me_plays_the_shortest_schedule_to_the_goal() -> None:
    s = Scheduler(LEVEL)
    s.show_me()
    assert s.goal_reached and len(s.schedule) == 4


def test_the_granularity_toggle_starts_over_at_one_instruction_per_step() -> None:
    s = Scheduler(LEVEL)
    s.step("A")
    s.set_granularity("instruction")
    assert s.schedule == [] and s.granularity == "instruction"
    s.step("A")
    assert s.snapshot.thread("A").position.opname != "(start)"
    s.show_me()
    assert s.goal_reached and len(s.schedule) > 4


def test_the_html_snapshot_has_the_stable_classes() -> None:
    s = Scheduler(LEVEL)
    s.step("A")
    page = s.html()
    for css in (
        "lab-scheduler",
        "lab-goal",
        "lab-status",
        "lab-step-A",
        "lab-step-B",
        "lab-code",
        "lab-current",
        "lab-values",
    ):
        assert css in page, css
    assert "deadlock the two threads" in page


def test_the_ipywidgets_view_follows_the_state() -> None:
    s = Scheduler(LEVEL)
    box = s.widget
    assert "lab-scheduler" in box._dom_classes
    view = s._view
    view.buttons["A"].click()  # the button calls the scheduler
    assert s.schedule == ["A"]
    view.buttons["B"].click()
    view.buttons["A"].click()
    assert view.buttons["A"].disabled  # A waits for b, held by B
    assert "held by B" in view.buttons["A"].tooltip
    view.undo.click()
    assert s.schedule == ["A", "B"] and not view.buttons["A"].disabled
    view.show_me.click()
    assert s.goal_reached and "lab-status-goal" in view.status.value


def test_a_bare_program_can_be_scheduled_too() -> None:
    s = Scheduler(program({"A": ab, "B": ba}, setup=Two, granularity="line"))
    s.show_me()  # no goal: the first failure (a deadlock)
    assert s.snapshot.outcome is not None and s.snapshot.outcome.kind == "deadlock"
    assert isinstance(Goal("x", lambda o: True), Goal)


def test_where_the_lab_cannot_run_it_says_so_and_nothing_raises(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import helpers.lab.session as session
    from helpers.lab import LabError, Support, explore

    monkeypatch.setattr(session, "support", lambda: Support(False, "it needs CPython"))
    s = Scheduler(LEVEL)
    s.step("A")
    s.show_me()
    assert s.status_kind == "unavailable" and "cannot run on this Python" in s.status
    assert "it needs CPython" in s.html()
    with __import__("pytest").raises(LabError, match="cannot run here: it needs CPython"):
        explore(LEVEL.program())


def test_this_python_is_supported() -> None:
    from helpers.lab import support

    assert support().ok, support().reason


def test_one_output_shows_the_live_widget_the_static_page_and_the_text() -> None:
    s = Scheduler(LEVEL)
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab: the buttons
    assert "lab-step-A" in bundle["text/html"]  # a page with no kernel: the same state
    assert bundle["text/plain"] == str(s)
    assert LEVEL.goal.sentence in bundle["text/plain"]
