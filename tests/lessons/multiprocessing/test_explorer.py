"""helpers.lessons.multiprocessing.explorer: one map on a warm pool, measured and drawn."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.multiprocessing import explorer

pytestmark = pytest.mark.usefixtures("nothing_left")


@pytest.mark.parametrize("api", ["pool", "executor"])
def test_run_map_records_every_task(start_method: str, api: str) -> None:
    run = explorer.run_map(workers=2, task_us=100, tasks=20, chunksize=5, api=api)
    assert run.start_method == start_method
    assert len(run.spans) == 20
    assert len({span.row for span in run.spans}) <= 2  # one row per worker process
    assert all(span.start <= span.end for span in run.spans)
    rows = run.rows()
    assert sum(len(spans) for _, spans in rows) == 20
    assert {span.index for _, spans in rows for span in spans} == {0, 1, 2, 3}  # 4 chunks of 5
    assert 0 < run.busy_fraction <= 1.0 + 1e-9


def test_explore_map_validates_and_draws() -> None:
    with pytest.raises(ValueError, match="workers"):
        explorer.explore_map(workers=0)
    with pytest.raises(ValueError, match="api"):
        explorer.explore_map(api="threads")
    with pytest.raises(ValueError, match="chunksize"):
        explorer.explore_map(chunksize=0)
    with pytest.raises(ValueError, match="tasks"):
        explorer.explore_map(tasks=100_000)
    fig, run = explorer.explore_map(workers=1, task_us=10, tasks=10, chunksize=2)
    assert isinstance(fig, Figure) and len(run.spans) == 10


def test_map_explorer_runs_its_controls() -> None:
    widget = explorer.map_explorer(workers=1, task_us=10, tasks=20, chunksize=4)
    assert widget.values()["task_us"] == "10" and widget.values()["chunksize"] == "4"
    figure = widget.run()
    assert widget.error is None and isinstance(figure, Figure)
    assert len(widget.data.spans) == 20
