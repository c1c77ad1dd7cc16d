"""helpers.lessons.multiprocessing.mapping: task sizes, chunksizes, the warm map pool."""

from __future__ import annotations

import pytest

from helpers.lessons.multiprocessing import mapping

pytestmark = pytest.mark.usefixtures("nothing_left")


@pytest.mark.parametrize(
    ("tasks", "workers", "expected"), [(10_000, 4, 625), (10, 4, 1), (17, 1, 5), (2000, 2, 250)]
)
def test_pool_default_chunksize_is_four_chunks_per_worker(
    tasks: int, workers: int, expected: int
) -> None:
    assert mapping.pool_default_chunksize(tasks, workers) == expected


def test_iterations_for_validates() -> None:
    assert mapping.iterations_for(1) >= 1
    assert mapping.iterations_for(1000) > mapping.iterations_for(10)
    with pytest.raises(TypeError, match="task_us"):
        mapping.iterations_for("10")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_us"):
        mapping.iterations_for(0)
