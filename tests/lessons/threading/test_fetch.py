"""helpers.lessons.threading.fetch: fetching simulated pages on threads, and a recorded run."""

from __future__ import annotations

import threading

import pytest

from helpers.lessons.threading import fetch
from helpers.lessons.threading.web import SimulatedWeb, page_urls


def test_threaded_fetch_keeps_order_overlaps_and_joins(no_new_threads: None) -> None:
    web = SimulatedWeb(20)
    urls = page_urls(9)
    seen: list[tuple[int, int]] = []
    pages = fetch.fetch_threaded(web, urls, 3, progress=lambda d, t: seen.append((d, t)))
    assert pages == [web.page(u) for u in urls]
    assert web.calls == dict.fromkeys(urls, 1)
    assert 1 < web.peak_in_flight <= 3
    assert sorted(t.name for t in web.threads) == ["fetcher-1", "fetcher-2", "fetcher-3"]
    # round-robin: fetcher-k asked for pages k-1, k-1+3, k-1+6
    owners: dict[str, list[int]] = {}
    for r in web.records:
        owners.setdefault(r.span.row, []).append(r.span.index)
    assert {name: sorted(pages) for name, pages in owners.items()} == {
        "fetcher-1": [0, 3, 6],
        "fetcher-2": [1, 4, 7],
        "fetcher-3": [2, 5, 8],
    }
    assert seen and seen[-1] == (9, 9)


def test_more_threads_than_pages_starts_only_what_is_needed(no_new_threads: None) -> None:
    web = SimulatedWeb(2)
    urls = page_urls(2)
    assert fetch.fetch_threaded(web, urls, 8) == [web.page(u) for u in urls]
    assert len(web.threads) == 2


def test_threaded_fetch_stops_its_threads_after_the_deadline(no_new_threads: None) -> None:
    web = SimulatedWeb(50)
    urls = page_urls(20)
    with pytest.raises(TimeoutError, match="stopped"):
        fetch.fetch_threaded(web, urls, 2, timeout=0.05)
    assert len(web.records) < len(urls)  # the workers were told to stop early


def test_run_fetch_serial_and_threaded() -> None:
    serial = fetch.run_fetch(pages=4, threads=0, latency_ms=2)
    assert serial.threads == 0 and serial.peak_in_flight == 1
    assert {r.span.row for r in serial.records} == {threading.current_thread().name}
    threaded = fetch.run_fetch(pages=4, threads=2, latency_ms=10)
    assert threaded.pages == serial.pages and threaded.peak_in_flight == 2
    assert threaded.best_possible() == pytest.approx(
        max(threaded.total_latency / 2, threaded.slowest)
    )
    assert "4 pages on 2 threads" in threaded.describe()
    with pytest.raises(ValueError, match="threads must be between 0"):
        fetch.run_fetch(threads=-1)
    with pytest.raises(TypeError, match="threads"):
        fetch.run_fetch(threads=2.0)  # type: ignore[arg-type]
