"""helpers.fetch: the deterministic "fetch many pages" simulation and its explorer."""

from __future__ import annotations

import threading

import pytest
from matplotlib.figure import Figure

from helpers.lessons.threading import fetch


@pytest.fixture
def no_new_threads():
    """Fail the test if it leaves a thread running that was not there before it."""
    before = set(threading.enumerate())
    yield
    assert [t.name for t in threading.enumerate() if t not in before] == []


def test_urls_and_latencies_are_deterministic() -> None:
    urls = fetch.page_urls(20)
    assert urls[0] == "https://example.org/articles/000" and len(set(urls)) == 20
    web, again = fetch.SimulatedWeb(50), fetch.SimulatedWeb(50)
    waits = [web.latency(u) for u in urls]
    assert waits == [again.latency(u) for u in urls]
    assert all(0.02 <= w <= 0.08 for w in waits)  # 0.4x to 1.6x of 50 ms
    assert len(set(waits)) > 10  # pages differ from each other
    assert fetch.SimulatedWeb(100).latency(urls[3]) == pytest.approx(2 * waits[3])
    assert web.total_latency(urls) == pytest.approx(sum(waits))


def test_fetch_returns_the_page_and_records_the_request() -> None:
    web = fetch.SimulatedWeb(5)
    url = fetch.page_urls(3)[2]
    assert web.fetch(url) == web.page(url) and url in web.page(url)
    (record,) = web.records
    assert record.index == 2 and record.url == url and record.ok
    assert record.thread_name == threading.current_thread().name
    assert record.duration >= web.latency(url) * 0.9 and record.running == ()
    assert web.calls == {url: 1} and web.peak_in_flight == 1
    assert web.threads == [threading.current_thread()]
    web.reset()
    assert web.records == () and web.calls == {} and web.peak_in_flight == 0


def test_missing_pages_raise_after_waiting_and_are_recorded() -> None:
    urls = fetch.page_urls(2)
    web = fetch.SimulatedWeb(5, missing=[urls[1]])
    with pytest.raises(fetch.PageNotFound, match="404"):
        web.fetch(urls[1])
    assert isinstance(fetch.PageNotFound("x"), LookupError)
    assert [r.ok for r in web.records] == [False]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: fetch.SimulatedWeb(0), ValueError, "mean_latency_ms must be between 1 and 1000"),
        (lambda: fetch.SimulatedWeb("50"), TypeError, "mean_latency_ms"),
        (lambda: fetch.SimulatedWeb(5).fetch(3), TypeError, "url must be a string"),
        (lambda: fetch.page_urls(0), ValueError, "count"),
        (lambda: fetch.page_urls(1000), ValueError, "count must be between 1 and 256"),
    ],
)
def test_validation_names_the_argument(make, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_serial_fetch_is_one_request_at_a_time() -> None:
    web = fetch.SimulatedWeb(2)
    urls = fetch.page_urls(4)
    assert fetch.fetch_serial(web, urls) == [web.page(u) for u in urls]
    assert web.peak_in_flight == 1
    starts = [r.start for r in web.records]
    ends = [r.end for r in web.records]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False))


def test_threaded_fetch_keeps_order_overlaps_and_joins(no_new_threads: None) -> None:
    web = fetch.SimulatedWeb(20)
    urls = fetch.page_urls(9)
    seen: list[tuple[int, int]] = []
    pages = fetch.fetch_threaded(web, urls, 3, progress=lambda d, t: seen.append((d, t)))
    assert pages == [web.page(u) for u in urls]
    assert web.calls == dict.fromkeys(urls, 1)
    assert 1 < web.peak_in_flight <= 3
    assert sorted(t.name for t in web.threads) == ["fetcher-1", "fetcher-2", "fetcher-3"]
    # round-robin: fetcher-k asked for pages k-1, k-1+3, k-1+6
    owners: dict[str, list[int]] = {}
    for r in web.records:
        owners.setdefault(r.thread_name, []).append(r.index)
    assert {name: sorted(pages) for name, pages in owners.items()} == {
        "fetcher-1": [0, 3, 6],
        "fetcher-2": [1, 4, 7],
        "fetcher-3": [2, 5, 8],
    }
    assert seen and seen[-1] == (9, 9)


def test_more_threads_than_pages_starts_only_what_is_needed(no_new_threads: None) -> None:
    web = fetch.SimulatedWeb(2)
    urls = fetch.page_urls(2)
    assert fetch.fetch_threaded(web, urls, 8) == [web.page(u) for u in urls]
    assert len(web.threads) == 2


def test_threaded_fetch_stops_its_threads_after_the_deadline(no_new_threads: None) -> None:
    web = fetch.SimulatedWeb(50)
    urls = fetch.page_urls(20)
    with pytest.raises(TimeoutError, match="stopped"):
        fetch.fetch_threaded(web, urls, 2, timeout=0.05)
    assert len(web.records) < len(urls)  # the workers were told to stop early


def test_run_fetch_serial_and_threaded() -> None:
    serial = fetch.run_fetch(pages=4, threads=0, latency_ms=2)
    assert serial.threads == 0 and serial.peak_in_flight == 1
    assert {r.thread_name for r in serial.records} == {threading.current_thread().name}
    threaded = fetch.run_fetch(pages=4, threads=2, latency_ms=10)
    assert threaded.pages == serial.pages and threaded.peak_in_flight == 2
    assert threaded.best_possible == pytest.approx(
        max(threaded.total_latency / 2, threaded.slowest)
    )
    assert "4 pages on 2 threads" in threaded.describe()
    with pytest.raises(ValueError, match="threads must be between 0"):
        fetch.run_fetch(threads=-1)
    with pytest.raises(TypeError, match="threads"):
        fetch.run_fetch(threads=2.0)  # type: ignore[arg-type]


def test_plots_have_labelled_axes_and_one_row_per_thread() -> None:
    run = fetch.run_fetch(pages=6, threads=3, latency_ms=2)
    ax = fetch.plot_requests(run.records).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fetcher-1", "fetcher-2", "fetcher-3"]
    assert "(ms)" in ax.get_xlabel() and ax.get_ylabel() == "thread"
    serial = fetch.run_fetch(pages=6, threads=0, latency_ms=2)
    fig = fetch.plot_serial_vs_threaded(serial.records, run.records)
    top, bottom = fig.axes
    assert top.get_xlim() == bottom.get_xlim()
    with pytest.raises(ValueError, match="at least one request"):
        fetch.plot_requests([])


def test_explore_fetch_builds_a_curve_across_runs(no_new_threads: None) -> None:
    history = fetch.FetchHistory()
    progress: list[tuple[int, int]] = []
    fetch.explore_fetch(threads=1, pages=4, latency_ms=10, history=history)
    fig2, run2 = fetch.explore_fetch(
        threads=4,
        pages=4,
        latency_ms=10,
        history=history,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert isinstance(fig2, Figure) and run2.peak_in_flight <= 4
    (curve,) = history.walls.values()
    assert sorted(curve) == [1, 4]
    right = fig2.axes[1]
    measured = next(line for line in right.get_lines() if line.get_label() == "measured")
    assert list(measured.get_xdata()) == [1, 4]
    assert right.get_xlabel() == "threads" and "(ms)" in right.get_ylabel()
    assert progress[-1] == (4, 4)
    with pytest.raises(ValueError, match="threads must be between 1 and 64"):
        fetch.explore_fetch(threads=0)


def test_fetch_explorer_runs_its_compute_function(no_new_threads: None) -> None:
    explorer = fetch.fetch_explorer(threads=2, pages=4, latency_ms=10)
    assert set(explorer.controls) == {"threads", "pages", "latency_ms"}
    figure = explorer.run()
    assert explorer.error is None and isinstance(figure, Figure)
    assert explorer.data.threads == 2
