"""helpers.lessons.ipc.explorer: one message size, one or all mechanisms, measured and drawn."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.ipc import explorer

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_explore_ipc_one_mechanism() -> None:
    fig, results = explorer.explore_ipc(size=1024, count=5, mechanism="shared_memory")
    assert isinstance(fig, Figure)
    assert [(r.mechanism, r.size, r.count) for r in results] == [("shared_memory", 1024, 5)]
    with pytest.raises(ValueError, match="mechanism"):
        explorer.explore_ipc(mechanism="smoke signals")


def test_ipc_explorer_runs_its_controls() -> None:
    widget = explorer.ipc_explorer(size=1024, count=10)
    widget.controls["mechanism"].value = "pipe"
    figure = widget.run()
    assert widget.error is None and isinstance(figure, Figure)
    assert [(r.mechanism, r.size, r.count) for r in widget.data] == [("pipe", 1024, 10)]
