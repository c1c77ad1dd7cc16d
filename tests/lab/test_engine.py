"""The engine: stepping real threads, positions, blocking, detection, bounds and hygiene."""

from __future__ import annotations

import dis
import importlib.util
import threading
import time
from pathlib import Path

import pytest
from programs import Counter, Two, ab, ba, increment, increment_locked

from helpers.lab import LabError, Run, engine, patched_now, program, replay

# --- Programs under test (this file is their own file: the lab steps it) ------------------------


def show(c: Counter) -> dict[str, object]:
    return {"value": c.value}


def counter(fn=increment, **options):  # type: ignore[no-untyped-def]
    return program({"A": fn, "B": fn}, setup=Counter, show=show, **options)


def _opnames(fn) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.opname for i in dis.get_instructions(fn)}


def _line_of(fn, text: str) -> int:  # type: ignore[no-untyped-def]
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


# --- Positions --------------------------------------------------------------------------------


def test_a_thread_stands_at_its_next_instruction() -> None:
    with Run(counter()) as run:
        snap = run.snapshot()
        a = snap.thread("A")
        assert a.can_step and a.status == "ready"
        assert a.position.line == _line_of(increment, "c.value += 1")
        assert a.position.text == "c.value += 1"
        assert a.position.opname in _opnames(increment)  # from dis, for this version
        seen = set()
        while run.outcome is None:
            seen.add(
                run.snapshot().thread("A").position.opname if "A" in run.snapshot().runnable else ""
            )
            run.step(run.snapshot().runnable[0])
    assert {"LOAD_ATTR", "STORE_ATTR"} <= seen  # the read and the write are separate steps


def test_one_line_per_step_at_line_granularity() -> None:
    with Run(counter(increment_locked, granularity="line")) as run:
        lines = []
        while "A" in run.snapshot().runnable:
            lines.append(run.snapshot().thread("A").position.line)
            run.step("A")
    with_line = _line_of(increment_locked, "with c.lock")
    assert lines[:2] == [with_line, with_line + 1]


def test_a_schedule_replays_the_same_run() -> None:
    schedule = ["A", "A", "A", "B", "B", "B", "B", "B", "B", "A", "A", "A", "A"]
    first = replay(counter(), schedule)
    again = replay(counter(), schedule)
    assert first.steps == again.steps
    assert first.snapshot.values == again.snapshot.values


# --- Bad input --------------------------------------------------------------------------------


def test_an_unknown_thread_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'Z' is not in this run"):
        replay(counter(), ["A", "Z"])


def test_a_finished_thread_in_a_schedule_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"thread 'A' cannot step: finished"):
        replay(counter(), ["A"] * 30)  # A ends long before its 30th step


def test_stepping_a_finished_thread_names_it() -> None:
    with Run(counter()) as run:
        while run.snapshot().thread("A").status != "finished":
            run.step("A")
        with pytest.raises(ValueError, match=r"thread 'A' cannot step: finished"):
            run.step("A")


def test_a_blocked_thread_cannot_step() -> None:
    with Run(counter(increment_locked, granularity="line")) as run:
        run.step("A")  # A holds the lock
        run.step("B")  # B blocks on it
        view = run.snapshot().thread("B")
        assert view.status == "blocked" and not view.can_step
        assert view.blocked.kind == "Lock" and view.blocked.name == "lock"
        assert view.blocked.holder == "A"
        with pytest.raises(
            ValueError,
            match=r"thread 'B' cannot step: blocked in acquire\(\) on Lock lock, held by A",
        ):
            run.step("B")


@pytest.mark.parametrize("threads", [{}, []])
def test_no_threads_is_refused(threads: object) -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        program(threads)  # type: ignore[arg-type]


OUTSIDE = threading.Lock()  # made before any run: a real lock the lab cannot see


def take_outside_lock() -> None:
    OUTSIDE.acquire()
    OUTSIDE.release()


def test_a_step_blocked_in_c_is_an_error_naming_thread_and_line() -> None:
    OUTSIDE.acquire()
    try:
        with pytest.raises(
            LabError,
            match=r"thread A did not reach its next step within 0.3 s .*OUTSIDE.acquire\(\)",
        ):
            replay(program({"A": take_outside_lock}, step_timeout=0.3), ["A", "A", "A", "A"])
    finally:
        OUTSIDE.release()  # the stuck thread goes on, is abandoned, and ends
    assert not patched_now()


def _untraced_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "lab_untraced", Path(__file__).with_name("untraced.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


SPIN = _untraced_module().spin_forever


def call_spin() -> None:
    SPIN()


@pytest.fixture(params=["this build", "GIL off"])
def abandoning(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Both ways the engine ends a thread stuck in untraced code: with the GIL it sets a trace
    function on the thread's frames; without it the thread must stop itself, and nothing may
    read another running thread's frames (that crashed 3.13t)."""
    if request.param == "GIL off":
        monkeypatch.setattr(engine, "_gil_enabled", lambda: False)

        def refuse() -> None:
            raise AssertionError("read another running thread's frames")

        monkeypatch.setattr(engine, "_current_frames", refuse)
    return request.param


def test_a_step_that_loops_in_untraced_code_is_an_error_and_the_thread_ends(abandoning) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LabError, match="thread A did not reach its next step"):
        replay(program({"A": call_spin}, step_timeout=0.3), ["A"] * 5)


def loop_forever(c: Counter) -> None:
    while True:
        c.value += 1


def test_a_run_longer_than_the_step_limit_is_reported() -> None:
    prog = program({"A": loop_forever}, setup=Counter, max_steps=50)
    with Run(prog) as run:
        for _ in range(50):
            run.step("A")
        assert run.outcome is not None and run.outcome.kind == "step-limit"


# --- Detection --------------------------------------------------------------------------------


def test_a_deadlock_is_reported_with_who_holds_what() -> None:
    done = replay(program({"A": ab, "B": ba}, setup=Two, granularity="line"), ["A", "B", "A", "B"])
    assert done.outcome is not None and done.outcome.kind == "deadlock"
    a, b = done.snapshot.thread("A"), done.snapshot.thread("B")
    assert (a.blocked.name, a.blocked.holder) == ("b", "B")
    assert (b.blocked.name, b.blocked.holder) == ("a", "A")


def test_a_broken_invariant_is_reported_after_the_step_that_broke_it() -> None:
    prog = counter(invariant=lambda c: c.value < 1)
    with Run(prog) as run:
        while run.outcome is None:
            run.step("A")
        assert run.outcome.kind == "invariant"
        assert run.snapshot().values == {"value": "1"}


def pop_empty(c: Counter) -> None:
    [].pop()


def test_an_exception_in_a_thread_is_reported() -> None:
    with Run(program({"A": pop_empty}, setup=Counter)) as run:
        while run.outcome is None:
            run.step("A")
        outcome = run.outcome
    assert outcome.kind == "exception"
    (error,) = outcome.errors
    assert (error.thread, error.type) == ("A", "IndexError")
    assert "[].pop()" in error.line


# --- Time ---------------------------------------------------------------------------------------


def wait_briefly(c: Counter) -> None:
    c.lock.acquire()
    c.lock.release()


class Held(Counter):
    def __init__(self) -> None:
        super().__init__()
        self.got = None
        self.slept = None


def try_for_a_second(s: Held) -> None:
    start = time.monotonic()
    s.got = s.lock.acquire(timeout=1.0)
    s.slept = time.monotonic() - start


def hold(s: Held) -> None:
    with s.lock:
        pass


def test_a_timed_wait_can_be_scheduled_as_its_timeout() -> None:
    prog = program({"H": hold, "W": try_for_a_second}, setup=Held, granularity="line")
    with Run(prog) as run:
        run.step("H")  # H holds the lock
        while run.snapshot().thread("W").status != "blocked":
            run.step("W")
        view = run.snapshot().thread("W")
        assert view.can_step and view.step_kind == "timeout"
        while run.outcome is None:
            run.step("W" if "W" in run.snapshot().runnable else "H")
        assert run.execution.state.got is False
        assert run.execution.state.slept == 1.0  # virtual time: exactly the timeout


def sleep_long(s: Held) -> None:
    start = time.monotonic()
    time.sleep(3600)
    s.slept = time.monotonic() - start


def test_sleep_is_a_scheduling_point_not_a_real_sleep() -> None:
    started = time.perf_counter()
    done = replay(program({"A": sleep_long}, setup=Held, granularity="line"), ["A"] * 4)
    assert done.outcome is not None and done.outcome.kind == "finished"
    assert done.outcome.state.slept == 3600
    assert time.perf_counter() - started < 600  # not an hour (a bound, not a speed claim)


# --- Exception handlers ----------------------------------------------------------------------


def read_or_make(c: Counter) -> None:
    try:
        c.value = {}["missing"]
    except KeyError:  # 3.11+: the handler's first instructions carry no line number
        c.value += 1


def test_stepping_through_an_except_block_instruction_by_instruction() -> None:
    built = counter(read_or_make, granularity="instruction")
    schedule: list[str] = []
    done = replay(built, schedule)
    while done.outcome is None and len(schedule) < 500:
        assert all(v.position is None or v.position.line > 0 for v in done.snapshot.threads)
        schedule.append(done.snapshot.runnable[0])
        done = replay(built, schedule)
    assert done.outcome is not None and done.outcome.kind == "finished", done.snapshot
    assert done.outcome.values == {"value": "2"}, done.outcome
