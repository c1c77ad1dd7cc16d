"""helpers.conditions and helpers.semaphores: the demos and explorer functions of notebooks 05
and 06 report true facts, validate their arguments, draw labelled figures and clean up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from matplotlib.figure import Figure

from helpers.core.timing import max_overlap
from helpers.lessons.condition import conditions
from helpers.lessons.semaphore import semaphores
from helpers.sketches.condition import BrokenCondition
from helpers.sketches.semaphore import BrokenSemaphore
from helpers.teaching.condition import Condition as TeachingCondition
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Any:
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == [], f"left threads running: {left}"


def take_with_if(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not buffer:
            cond.wait(timeout)
        return buffer.pop()


def take_with_while(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        while not buffer:
            if not cond.wait(timeout):
                return None
        return buffer.pop()


def take_with_wait_for(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not cond.wait_for(lambda: buffer, timeout):
            return None
        return buffer.pop()


# --- Two consumers, one item -------------------------------------------------------------------


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
def test_if_consumer_takes_an_item_that_is_gone(make: Callable[..., Any]) -> None:
    race = conditions.two_consumers_one_item(take_with_if, make_condition=make)
    assert race.received == ("item 1",)
    assert race.errors == ("IndexError: pop from empty list",)
    assert race.second_item_needed is False


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
@pytest.mark.parametrize("consume", [take_with_while, take_with_wait_for])
def test_looping_consumers_are_correct(make: Callable[..., Any], consume: Any) -> None:
    race = conditions.two_consumers_one_item(consume, make_condition=make)
    assert sorted(race.received) == ["item 1", "item 2"]
    assert race.errors == ()
    assert race.left_in_buffer == ()
    assert race.second_item_needed is True


def test_a_consumer_that_never_waits_still_ends() -> None:
    race = conditions.two_consumers_one_item(lambda buffer, cond, timeout: "gave up", timeout=0.2)
    assert race.received == ("gave up", "gave up")
    assert race.left_in_buffer == ("item 1",)


# --- Bounded buffer ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
def test_bounded_buffer_delivers_everything_once_within_capacity(make: Callable[..., Any]) -> None:
    run = conditions.run_bounded_buffer(3, 2, items=60, capacity=2, make_condition=make)
    assert run.delivered == tuple(range(60))
    assert 1 <= run.max_fill <= 2


def test_bounded_buffer_times_out_both_ways() -> None:
    import queue

    buffer = conditions.BoundedBuffer(1)
    with pytest.raises(queue.Empty):
        buffer.get(timeout=0.01)
    buffer.put("a")
    with pytest.raises(queue.Full):
        buffer.put("b", timeout=0.01)
    assert len(buffer) == 1 and buffer.get() == "a"
    assert (buffer.full_waits, buffer.empty_waits) == (1, 1)


def test_bounded_buffer_is_fifo() -> None:
    buffer = conditions.BoundedBuffer(5)
    for item in "abc":
        buffer.put(item)
    assert [buffer.get(), buffer.get(), buffer.get()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("kwargs", "error"), [({"capacity": 0}, ValueError), ({"items": "x"}, TypeError)]
)
def test_bounded_buffer_validates(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        conditions.run_bounded_buffer(**kwargs)


# --- Fact tables --------------------------------------------------------------------------------


def test_condition_fact_table_separates_correct_from_sketch() -> None:
    table = conditions.compare_conditions(
        {"threading": threading.Condition, "teaching": TeachingCondition, "sketch": BrokenCondition}
    )
    assert all(table.column("threading").values())
    assert table.column("teaching") == table.column("threading")
    sketch = table.column("sketch")
    assert sketch["notify() wakes waiters first come, first served"] is True
    assert sum(not ok for ok in sketch.values()) == len(sketch) - 1
    assert "✘" in str(table) and "<table>" in table._repr_html_()


def test_semaphore_fact_table_separates_correct_from_sketch() -> None:
    table = semaphores.compare_semaphores(
        {"threading": threading.Semaphore, "teaching": TeachingSemaphore, "sketch": BrokenSemaphore}
    )
    assert all(table.column("threading").values())
    assert table.column("teaching") == table.column("threading")
    failed = {fact for fact, ok in table.column("sketch").items() if not ok}
    assert failed == {
        "`with sem:` takes a permit and gives it back",
        "release(n) gives back n permits at once",
        "the syllabus's 5-thread example ends with all 3 permits",
        "after a hand-over, a newcomer gets the free permit",
    }


def test_fact_table_counts_a_raising_check_as_false() -> None:
    def boom(_: object) -> bool:
        raise RuntimeError

    table = conditions.fact_table([("raises", boom), ("holds", lambda _: True)], {"x": object})
    assert table.column("x") == {"raises": False, "holds": True}


def test_fifo_wake_order() -> None:
    assert conditions.fifo_wake_order(TeachingCondition, waiters=4) == [0, 1, 2, 3]


# --- Notify explorer ------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", list(conditions.IMPLEMENTATIONS))
def test_notify_one_at_a_time_wakes_in_queue_order(implementation: str) -> None:
    run = conditions.run_notify_rounds(5, "notify", work_ms=1, implementation=implementation)
    assert run.rounds == ((0,), (1,), (2,), (3,), (4,))
    assert run.wake_order == [0, 1, 2, 3, 4]
    assert all(r.notified for r in run.records)
    assert len(run.notifications) == 5


def test_notify_n_wakes_n_oldest_per_call() -> None:
    run = conditions.run_notify_rounds(7, "notify_n", n=3, work_ms=1)
    assert run.rounds == ((0, 1, 2), (3, 4, 5), (6,))
    assert len(run.notifications) == 3


def test_notify_all_wakes_everyone_with_one_call_and_they_take_turns() -> None:
    run = conditions.run_notify_rounds(6, "notify_all", work_ms=5)
    assert run.rounds == (tuple(range(6)),)
    assert len(run.notifications) == 1
    # Each woken thread holds the lock while it works: the solid bars never overlap.
    assert max_overlap(iv for r in run.records for iv in r.running) == 1
    assert all(r.woke >= run.notifications[0] for r in run.records)


def test_notify_timeline_draws_a_labelled_figure_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    fig, run = conditions.notify_timeline(
        3, "notify", work_ms=1, progress=lambda d, t: seen.append((d, t))
    )
    assert isinstance(fig, Figure) and run.wake_order == [0, 1, 2]
    ax = fig.axes[0]
    assert "(ms)" in ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["waiter 0", "waiter 1", "waiter 2"]
    assert seen[-1] == (3, 3)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("notify()" in text for text in legend)


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"waiters": 0}, ValueError, "waiters"),
        ({"waiters": 33}, ValueError, "waiters"),
        ({"waiters": 2.5}, TypeError, "waiters"),
        ({"mode": "wake"}, ValueError, "mode"),
        ({"mode": 1}, TypeError, "mode"),
        ({"n": 0}, ValueError, "n"),
        ({"work_ms": -1}, ValueError, "work_ms"),
        ({"work_ms": "5"}, TypeError, "work_ms"),
        ({"implementation": "mine"}, ValueError, "implementation"),
    ],
)
def test_notify_timeline_validates(
    kwargs: dict[str, Any], error: type[Exception], word: str
) -> None:
    with pytest.raises(error, match=word):
        conditions.notify_timeline(**kwargs)
