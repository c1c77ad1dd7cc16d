"""Lesson 03's sweep of the counter race and its check-then-act race on bank accounts."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.shared_state_and_queues.races import (
    lost_updates,
    plot_lost_updates,
    withdraw_race,
)


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
