"""helpers.lessons.gil.switch: setting the switch interval safely, and the switch interval demo."""

from __future__ import annotations

import sys

import pytest

from helpers.core import machine
from helpers.lessons.gil import switch


def test_switch_interval_is_set_inside_and_restored_after() -> None:
    before = sys.getswitchinterval()
    with switch.switch_interval(0.02) as previous:
        assert sys.getswitchinterval() == pytest.approx(0.02)
        assert previous == before
    assert sys.getswitchinterval() == before


def test_switch_interval_is_restored_when_the_block_raises() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(KeyError), switch.switch_interval(0.03):
        raise KeyError("boom")
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (2.0, ValueError), ("1", TypeError)])
def test_switch_interval_validates(value: object, error: type[Exception]) -> None:
    before = sys.getswitchinterval()
    with pytest.raises(error, match="seconds"), switch.switch_interval(value):  # type: ignore[arg-type]
        pass
    assert sys.getswitchinterval() == before


def test_wakeup_delays_give_one_sample_per_sleep(
    no_new_threads: None,
) -> None:
    delays = switch.wakeup_delays(samples=4)
    assert len(delays) == 4 and all(d >= 0 for d in delays)


def test_switch_interval_demo_restores_and_reports(
    no_new_threads: None,
) -> None:
    before = sys.getswitchinterval()
    progress: list[tuple[int, int]] = []
    fig, runs = switch.switch_interval_demo(
        intervals_ms=[2, 10], task_ms=20, wakeups=3, progress=lambda d, t: progress.append((d, t))
    )
    assert sys.getswitchinterval() == before
    assert [r.interval for r in runs] == [0.002, 0.010]
    assert progress[-1] == (2, 2)
    for r in runs:
        assert sorted(rec.index for rec in r.run.records) == [0, 1]
        assert len(r.delays) == 3 and r.median_turn >= 0
    assert len(fig.axes) == 3  # a timeline per interval and the summary
    summary = next(ax for ax in fig.axes if ax.get_label() == "summary")
    assert "switch interval (ms" in summary.get_xlabel() and "(ms" in summary.get_ylabel()


@pytest.mark.parametrize(
    ("intervals", "error", "match"),
    [
        ([], ValueError, "intervals_ms must list at least one switch interval"),
        ("5", TypeError, "intervals_ms must be a list or tuple"),
        ([0.5], ValueError, "between 1 and 100"),
        ([5, "x"], TypeError, "intervals_ms must be a number of milliseconds"),
    ],
)
def test_switch_interval_demo_validates(intervals: object, error: type, match: str) -> None:
    before = sys.getswitchinterval()
    with pytest.raises(error, match=match):
        switch.switch_interval_demo(intervals_ms=intervals)  # type: ignore[arg-type]
    assert sys.getswitchinterval() == before


def test_the_switch_interval_applies_only_with_the_gil() -> None:
    assert switch.switch_interval_applies() is machine.gil_enabled()
    with switch.switch_interval(0.02):  # on a free-threaded build it is kept, not used
        assert sys.getswitchinterval() == pytest.approx(0.02)
