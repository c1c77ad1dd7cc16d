"""Fixtures of the teaching-executor suite: each test runs once per class (``kind``), on pools
that are shut down at teardown, with a gate that is always opened."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from executor_pools import POOLS


@pytest.fixture(params=list(POOLS))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Tasks wait on this; it is always opened at teardown so no task stays blocked."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def make(kind: str, gate: threading.Event) -> Iterator[Callable[..., Any]]:
    """Create pools of the class under test; every one is shut down at teardown."""
    made: list[Any] = []

    def factory(*args: Any, **kwargs: Any) -> Any:
        pool = POOLS[kind](*args, **kwargs)
        made.append(pool)
        return pool

    yield factory
    gate.set()
    for pool in made:
        pool.shutdown(wait=True, cancel_futures=True)
        assert not any(t.is_alive() for t in pool._threads)
