"""helpers.lessons.threading.web: the deterministic simulated web server."""

from __future__ import annotations

import threading

import pytest

from helpers.lessons.threading import web as sim


def test_urls_and_latencies_are_deterministic() -> None:
    urls = sim.page_urls(20)
    assert urls[0] == "https://example.org/articles/000" and len(set(urls)) == 20
    web, again = sim.SimulatedWeb(50), sim.SimulatedWeb(50)
    waits = [web.latency(u) for u in urls]
    assert waits == [again.latency(u) for u in urls]
    assert all(0.02 <= w <= 0.08 for w in waits)  # 0.4x to 1.6x of 50 ms
    assert len(set(waits)) > 10  # pages differ from each other
    assert sim.SimulatedWeb(100).latency(urls[3]) == pytest.approx(2 * waits[3])
    assert web.total_latency(urls) == pytest.approx(sum(waits))


def test_fetch_returns_the_page_and_records_the_request() -> None:
    web = sim.SimulatedWeb(5)
    url = sim.page_urls(3)[2]
    assert web.fetch(url) == web.page(url) and url in web.page(url)
    (record,) = web.records
    assert record.span.index == 2 and record.url == url and record.ok
    assert record.span.row == threading.current_thread().name
    assert record.span.duration >= web.latency(url) * 0.9 and record.span.running == ()
    assert web.calls == {url: 1} and web.peak_in_flight == 1
    assert web.threads == [threading.current_thread()]
    web.reset()
    assert web.records == () and web.calls == {} and web.peak_in_flight == 0


def test_missing_pages_raise_after_waiting_and_are_recorded() -> None:
    urls = sim.page_urls(2)
    web = sim.SimulatedWeb(5, missing=[urls[1]])
    with pytest.raises(sim.PageNotFound, match="404"):
        web.fetch(urls[1])
    assert isinstance(sim.PageNotFound("x"), LookupError)
    assert [r.ok for r in web.records] == [False]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: sim.SimulatedWeb(0), ValueError, "mean_latency_ms must be between 1 and 1000"),
        (lambda: sim.SimulatedWeb("50"), TypeError, "mean_latency_ms"),
        (lambda: sim.SimulatedWeb(5).fetch(3), TypeError, "url must be a string"),
        (lambda: sim.page_urls(0), ValueError, "count"),
        (lambda: sim.page_urls(1000), ValueError, "count must be between 1 and 256"),
    ],
)
def test_validation_names_the_argument(make, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()
