"""helpers.lessons.semaphore.pool: a connection pool guarded by a semaphore never hands out
more than its permits, never shares a connection, gives a connection back on error and
times out."""

from __future__ import annotations

import pytest

from helpers.lessons.semaphore import pool
from helpers.lessons.semaphore.classes import IMPLEMENTATIONS

pytestmark = pytest.mark.usefixtures("nothing_left")


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize(("workers", "permits"), [(6, 2), (3, 5), (4, 1)])
def test_connection_pool_never_exceeds_its_permits(
    implementation: str, workers: int, permits: int
) -> None:
    run = pool.run_connection_pool(
        workers, permits, tasks=10, task_ms=5, implementation=implementation
    )
    assert sorted(u.span.index for u in run.uses) == list(range(10))
    assert run.in_use_at_once() <= min(permits, workers)
    assert run.connection_shared() is False
    assert {u.connection for u in run.uses} <= set(range(1, permits + 1))
    assert run.throughput > 0 and run.ideal_throughput() == min(permits, workers) / 0.005


def test_connection_pool_gives_back_on_error_and_times_out() -> None:
    connections = pool.ConnectionPool(1)
    with pytest.raises(KeyError), connections.connection():
        raise KeyError("query failed")
    with connections.connection(timeout=0.1) as conn:
        assert conn == 1
        with pytest.raises(TimeoutError), connections.connection(timeout=0.01):
            pass
    with connections.connection(timeout=0.1):
        pass
