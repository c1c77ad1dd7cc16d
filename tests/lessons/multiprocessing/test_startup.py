"""helpers.lessons.multiprocessing.startup: the cost of starting one process, per method."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.multiprocessing import startup

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_startup_costs_time_every_start(start_method: str) -> None:
    seen = []
    samples = startup.startup_costs([start_method], repeats=2, progress=lambda d, t: seen.append(d))
    assert [(s.method, s.run) for s in samples] == [(start_method, 0), (start_method, 1)]
    assert all(s.seconds > 0 for s in samples)
    assert seen == [1, 2]
    fig = startup.plot_startup_costs(samples)
    assert isinstance(fig, Figure)
    assert start_method in fig.axes[0].get_xticklabels()[0].get_text()


def test_startup_costs_validate() -> None:
    with pytest.raises(ValueError, match="repeats"):
        startup.startup_costs(repeats=0)
    with pytest.raises(ValueError, match="methods"):
        startup.startup_costs(["teleport"])
    with pytest.raises(ValueError, match="samples"):
        startup.plot_startup_costs([])
