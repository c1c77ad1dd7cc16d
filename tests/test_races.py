"""The counter race and check-then-act: lost updates are real, reliable, and fixed by a lock."""

from __future__ import annotations

import dis
import threading

import pytest
from matplotlib.figure import Figure

from helpers.races import (
    RaceResult,
    add_plain,
    join_all,
    lost_updates,
    plot_lost_updates,
    race_counter,
    run_threads,
    withdraw_race,
)


@pytest.mark.parametrize("threads", [2, 4])
def test_widened_window_loses_updates_every_time(threads: int) -> None:
    for _ in range(3):
        result = race_counter(threads, 100, "pause")
        assert 0 < result.lost < result.expected
        assert result.final >= 100  # at least one thread's full run of increments landed


@pytest.mark.parametrize("mode", ["pause", "locked", "plain"])
def test_one_thread_never_loses(mode: str) -> None:
    assert race_counter(1, 150, mode).lost == 0


@pytest.mark.parametrize("threads", [2, 5])
def test_lock_makes_the_count_exact(threads: int) -> None:
    result = race_counter(threads, 60, "locked")
    assert result.final == result.expected == threads * 60


def test_increment_is_several_bytecode_steps() -> None:
    ops = [i.opname for i in dis.get_instructions(add_plain)]
    assert any(op.startswith("LOAD_ATTR") for op in ops)
    assert any(op.startswith("STORE_ATTR") for op in ops)


def test_race_result_arithmetic() -> None:
    result = RaceResult("pause", 4, 50, 120)
    assert (result.expected, result.lost, result.lost_percent) == (200, 80, 40.0)
    assert "lost 80" in str(result)


def test_lost_updates_sweep_shape_and_progress() -> None:
    seen: list[tuple[int, int]] = []
    results = lost_updates(
        (4, 1), 40, ("pause", "locked"), progress=lambda d, t: seen.append((d, t))
    )
    assert list(results) == ["pause", "locked"]
    assert [r.threads for r in results["pause"]] == [1, 4]
    assert results["pause"][1].lost > 0
    assert all(r.lost == 0 for r in results["locked"])
    assert seen[-1] == (4, 4)
    fig = plot_lost_updates(results)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "threads" and "%" in ax.get_ylabel()
    assert len(ax.get_lines()) == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"mode": "fast"}, ValueError),
        ({"mode": 3}, TypeError),
        ({"threads": 0}, ValueError),
        ({"threads": 2.5}, TypeError),
        ({"increments": 0}, ValueError),
    ],
)
def test_race_counter_validates(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        race_counter(**kwargs)  # type: ignore[arg-type]
    assert next(iter(kwargs)) in str(info.value)


def test_sweep_validates() -> None:
    with pytest.raises(ValueError, match="thread_counts"):
        lost_updates(())
    with pytest.raises(ValueError, match="modes"):
        lost_updates((1,), 10, ("nope",))
    with pytest.raises(ValueError, match="results"):
        plot_lost_updates({})


def test_check_then_act_overdraws_without_lock() -> None:
    result = withdraw_race(2, 50)
    assert result.overdrawn > 0 and result.lowest < 0
    assert result.withdrawals > result.accounts  # more withdrawals than the money allowed


def test_check_then_act_is_exact_with_lock() -> None:
    result = withdraw_race(3, 50, locked=True)
    assert (result.overdrawn, result.withdrawals, result.lowest) == (0, 50, 40)
    assert "under a Lock" in str(result)


def test_run_threads_reraises_and_times_out() -> None:
    def boom() -> None:
        raise KeyError("inside a thread")

    with pytest.raises(KeyError):
        run_threads(boom, [()] * 2)
    release = threading.Event()
    with pytest.raises(TimeoutError):
        run_threads(release.wait, [(2.0,)], timeout=0.1)
    release.set()


def test_join_all_reports_the_living() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, args=(5,))
    thread.start()
    assert join_all([thread], 0.01) == [thread]
    stop.set()
    assert join_all([thread], 5) == []
