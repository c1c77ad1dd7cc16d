"""A deterministic "fetch many pages" simulation for notebook 02: no network, repeatable waits.

:class:`SimulatedWeb` plays a web server. ``fetch(url)`` waits as long as a real request might
(``time.sleep``, which releases the GIL like a socket read does) and returns the page's text.
Each URL always takes the same time, so every run of the notebook waits for the same things;
only the machine's scheduling differs. The server keeps a record of every request (which
thread asked, when it started and ended) and of how many were in flight at once: the facts a
notebook or a checker can assert.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core.timing import Progress
from ...core.validate import (
    validate_callable,
    validate_instance,
    validate_int,
    validate_items,
    validate_ms,
    validate_seconds,
)
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, PALETTE, finish, new_figure
from ...draw.timeline import draw_rows

if TYPE_CHECKING:
    from ...draw.widgets import Explorer

DEFAULT_LATENCY_MS = 50
_LATENCY_MS_RANGE = (1, 1_000)
_MAX_PAGES = 256
_MAX_THREADS = 64
_LEGEND = ("", "waiting for the server\n(GIL released)")


def _validate_latency_ms(value: object, argument: str = "latency_ms") -> float:
    return validate_ms(value, argument, *_LATENCY_MS_RANGE)


def _validate_urls_named(urls: object, argument: str) -> list[str]:
    """A list of URLs (a single string is refused: it would be read letter by letter)."""
    found = validate_items(urls, argument)
    for url in found:
        validate_instance(url, argument, str)
    return found


def page_urls(count: int) -> list[str]:
    """``count`` made-up URLs: ``https://example.org/articles/000`` and so on."""
    validate_int(count, "count", 1, _MAX_PAGES)
    return [f"https://example.org/articles/{i:03d}" for i in range(count)]


def _page_number(url: str, fallback: int) -> int:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else fallback


class PageNotFound(LookupError):
    """The simulated server's 404."""


@dataclass(frozen=True)
class FetchRecord:
    """One request: which page, which thread asked, when it started and ended (perf_counter).

    Drawn by :func:`helpers.timeline.draw_rows`: ``running`` is empty because a request only
    waits, so its bar is faded from start to end.
    """

    index: int
    url: str
    thread_name: str
    thread_id: int
    start: float
    end: float
    ok: bool = True
    running: tuple[tuple[float, float], ...] = field(default=())

    @property
    def duration(self) -> float:
        return self.end - self.start


class SimulatedWeb:
    """A pretend web server with fixed, repeatable latencies.

    ``mean_latency_ms`` sets the typical wait; each URL's wait is between 0.4x and 1.6x of it,
    chosen by a hash of the URL (so it never changes). URLs in ``missing`` raise
    :class:`PageNotFound` after their wait, like a 404. Safe to call from many threads.
    """

    def __init__(
        self, mean_latency_ms: float = DEFAULT_LATENCY_MS, missing: Iterable[str] = ()
    ) -> None:
        self.mean_latency_ms = _validate_latency_ms(mean_latency_ms, "mean_latency_ms")
        self.missing = frozenset(_validate_urls_named(missing, "missing"))
        self._lock = threading.Lock()  # guards the bookkeeping below; notebook 04 explains locks
        self.reset()

    def reset(self) -> None:
        """Forget every request made so far."""
        with self._lock:
            self._records: list[FetchRecord] = []
            self._calls: Counter[str] = Counter()
            self._threads: list[threading.Thread] = []
            self._in_flight = 0
            self._peak = 0

    def latency(self, url: str) -> float:
        """How long a request for ``url`` waits, in seconds (always the same for one URL)."""
        fraction = int.from_bytes(hashlib.sha256(url.encode()).digest()[:4], "big") / 2**32
        return (0.4 + 1.2 * fraction) * self.mean_latency_ms / 1e3

    def page(self, url: str) -> str:
        """The text ``fetch(url)`` returns, without waiting (what a correct answer must hold)."""
        return f"<html><title>{url.rsplit('/', 1)[-1]}</title><body>Page at {url}</body></html>"

    def fetch(self, url: str) -> str:
        """Wait for the "server", then return the page (or raise :class:`PageNotFound`)."""
        if not isinstance(url, str):
            raise TypeError(f"url must be a string; got {url!r}")
        me = threading.current_thread()
        with self._lock:
            self._calls[url] += 1
            if me not in self._threads:
                self._threads.append(me)
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            number = _page_number(url, fallback=sum(self._calls.values()) - 1)
        start = time.perf_counter()
        ok = url not in self.missing
        try:
            time.sleep(self.latency(url))
            if not ok:
                raise PageNotFound(f"404 Not Found: {url}")
            return self.page(url)
        finally:
            end = time.perf_counter()
            with self._lock:
                self._in_flight -= 1
                self._records.append(
                    FetchRecord(number, url, me.name, me.ident or 0, start, end, ok)
                )

    @property
    def records(self) -> tuple[FetchRecord, ...]:
        """Every finished request, in the order they started."""
        with self._lock:
            return tuple(sorted(self._records, key=lambda r: r.start))

    @property
    def calls(self) -> dict[str, int]:
        """How many times each URL was requested."""
        with self._lock:
            return dict(self._calls)

    @property
    def threads(self) -> list[threading.Thread]:
        """The threads that made requests, in the order of their first request."""
        with self._lock:
            return list(self._threads)

    @property
    def peak_in_flight(self) -> int:
        """The largest number of requests that were waiting at the same time."""
        with self._lock:
            return self._peak

    def total_latency(self, urls: Iterable[str]) -> float:
        """The sum of the waits: how long fetching ``urls`` one after another takes, at least."""
        return sum(self.latency(url) for url in urls)


def fetch_serial(web: SimulatedWeb, urls: Sequence[str]) -> list[str]:
    """One page after another, on the calling thread."""
    validate_instance(web, "web", SimulatedWeb)
    urls = _validate_urls_named(urls, "urls")
    return [web.fetch(url) for url in urls]


def fetch_threaded(
    web: SimulatedWeb,
    urls: Sequence[str],
    threads: int,
    *,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> list[str | None]:
    """Fetch with ``threads`` threads; the pages come back in the order of ``urls``.

    The plan of the notebook's cell: thread ``k`` fetches pages ``k``, ``k + threads``, ... and
    writes each into its own slot of a list made beforehand, so no two threads ever write to
    the same place. Added here: progress reports from the calling thread, and a deadline after
    which the workers are told to stop (a page that failed stays ``None``).
    """
    validate_instance(web, "web", SimulatedWeb)
    urls = _validate_urls_named(urls, "urls")
    validate_int(threads, "threads", 1, _MAX_THREADS)
    validate_callable(progress, "progress", optional=True)
    validate_seconds(timeout, "timeout", maximum=3600)
    pages: list[str | None] = [None] * len(urls)
    stop = threading.Event()

    def worker(first: int) -> None:
        for i in range(first, len(urls), threads):
            if stop.is_set():
                return
            pages[i] = web.fetch(urls[i])

    workers = [
        threading.Thread(target=worker, args=(k,), name=f"fetcher-{k + 1}")
        for k in range(min(threads, len(urls)))
    ]
    deadline = time.perf_counter() + timeout
    try:
        for thread in workers:
            thread.start()
        for thread in workers:
            while thread.is_alive():
                thread.join(timeout=0.02)  # wake up regularly to report progress
                if progress is not None:
                    progress(sum(page is not None for page in pages), len(urls))
                if time.perf_counter() > deadline:
                    raise TimeoutError(
                        f"fetching {len(urls)} pages took longer than {timeout:g} s; stopped"
                    )
    finally:
        stop.set()  # on an error or an interrupt: no new requests; each one in flight is short
        for thread in workers:
            if thread.ident is not None:
                thread.join(timeout=5)
    if progress is not None:
        progress(sum(page is not None for page in pages), len(urls))
    return pages


@dataclass(frozen=True)
class FetchRun:
    """Fetching some pages serially or with threads: the records and the facts about them."""

    threads: int  # 0 for the serial run on the calling thread
    latency_ms: float
    pages: tuple[str | None, ...]
    records: tuple[FetchRecord, ...]
    t0: float
    wall: float
    peak_in_flight: int
    total_latency: float
    slowest: float

    @property
    def best_possible(self) -> float:
        """No split of the pages over ``threads`` threads can finish sooner than this."""
        return max(self.total_latency / max(self.threads, 1), self.slowest)

    def describe(self) -> str:
        how = "one after another" if self.threads == 0 else f"on {self.threads} threads"
        return f"{len(self.pages)} pages {how}: {self.wall * 1e3:.0f} ms"


def run_fetch(
    pages: int = 16,
    threads: int = 4,
    latency_ms: float = DEFAULT_LATENCY_MS,
    *,
    progress: Progress | None = None,
) -> FetchRun:
    """Fetch ``pages`` simulated pages with ``threads`` threads (0: serially) and record it."""
    validate_int(pages, "pages", 1, _MAX_PAGES)
    validate_int(threads, "threads", 0, _MAX_THREADS)  # 0 means serially, on this thread
    _validate_latency_ms(latency_ms)
    validate_callable(progress, "progress", optional=True)
    web = SimulatedWeb(latency_ms)
    urls = page_urls(pages)
    t0 = time.perf_counter()
    if threads == 0:
        fetched: list[str | None] = []
        for url in urls:
            fetched.append(web.fetch(url))
            if progress is not None:
                progress(len(fetched), len(urls))
    else:
        fetched = fetch_threaded(web, urls, threads, progress=progress)
    wall = time.perf_counter() - t0
    return FetchRun(
        threads=threads,
        latency_ms=web.mean_latency_ms,
        pages=tuple(fetched),
        records=web.records,
        t0=t0,
        wall=wall,
        peak_in_flight=web.peak_in_flight,
        total_latency=web.total_latency(urls),
        slowest=max(web.latency(url) for url in urls),
    )


def rows_by_thread(records: Sequence[FetchRecord]) -> list[tuple[str, list[FetchRecord]]]:
    """Group requests by the thread that made them, in the order the threads first asked."""
    rows: dict[str, list[FetchRecord]] = {}
    for record in sorted(records, key=lambda r: r.start):
        rows.setdefault(record.thread_name, []).append(record)
    return list(rows.items())


def plot_requests(
    records: Sequence[FetchRecord],
    *,
    t0: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """A timeline of requests: one row per thread, one bar per request."""
    if not records:
        raise ValueError("records must hold at least one request")
    rows = rows_by_thread(records)
    if ax is None:
        fig, (ax,) = new_figure(height=1.2 + 0.35 * len(rows))
    else:
        fig = ax.figure  # type: ignore[assignment]
    start = min(r.start for r in records) if t0 is None else t0
    # Colour by place, not by page: neighbouring bars in a row always differ (steps of 3 through
    # the 8 colours), so each request stays visible however many threads there are.
    coloured = [
        (label, [replace(r, index=row + 3 * place) for place, r in enumerate(row_records)])
        for row, (label, row_records) in enumerate(rows)
    ]
    draw_rows(ax, coloured, start, legend=_LEGEND)
    ax.set_xlim(left=0, right=max((max(r.end for r in records) - start) * 1e3 * 1.02, 1.0))
    finish(
        ax,
        xlabel="time since the first request (ms)",
        ylabel="thread",
        title=title or f"{len(records)} requests",
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return fig  # type: ignore[return-value]


def plot_serial_vs_threaded(
    serial: Sequence[FetchRecord], threaded: Sequence[FetchRecord]
) -> Figure:
    """Two request timelines on one time scale: one after another on top, threaded below."""
    if not serial or not threaded:
        raise ValueError("serial and threaded must each hold at least one request")
    rows = len(rows_by_thread(threaded))
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(11, 2.6 + 0.35 * (rows + 1)),
        height_ratios=[1.6, 1 + 0.35 * rows],
        layout="constrained",
    )
    plt.close(fig)

    def span(records: Sequence[FetchRecord]) -> float:
        return max(r.end for r in records) - min(r.start for r in records)

    plot_requests(serial, ax=top, title=f"one after another: {span(serial) * 1e3:.0f} ms")
    plot_requests(threaded, ax=bottom, title=f"on {rows} threads: {span(threaded) * 1e3:.0f} ms")
    top.set_xlabel("")
    right = max(top.get_xlim()[1], bottom.get_xlim()[1])
    for ax in (top, bottom):
        ax.set_xlim(0, right)  # the same time scale, so the lengths compare
    return fig


@dataclass
class FetchHistory:
    """Wall times kept between explorer runs, so each run adds a point to the curve."""

    walls: dict[tuple[int, float], dict[int, FetchRun]] = field(default_factory=dict)

    def add(self, run: FetchRun) -> list[FetchRun]:
        curve = self.walls.setdefault((len(run.pages), run.latency_ms), {})
        curve[run.threads] = run
        return [curve[n] for n in sorted(curve)]


def explore_fetch(
    threads: int = 4,
    pages: int = 16,
    latency_ms: float = DEFAULT_LATENCY_MS,
    *,
    progress: Progress | None = None,
    history: FetchHistory | None = None,
) -> tuple[Figure, FetchRun]:
    """Fetch ``pages`` pages on ``threads`` threads: the timeline (left) and the wall time against
    the number of threads (right), next to the serial time and the best any split could do.
    """
    validate_int(threads, "threads", 1, _MAX_THREADS)
    validate_instance(history, "history", FetchHistory, optional=True)
    run = run_fetch(pages, threads, latency_ms, progress=progress)
    history = FetchHistory() if history is None else history
    curve = history.add(run)

    rows = len({r.thread_name for r in run.records})
    fig, (left, right) = new_figure(ncols=2, height=min(max(3.4, 1.2 + 0.3 * rows), 6.5))
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    plot_requests(
        run.records,
        t0=run.t0,
        ax=left,
        title=f"{run.describe()} (one after another: {run.total_latency * 1e3:.0f} ms)",
    )
    if rows > 16:
        left.tick_params(axis="y", labelsize=7)  # many threads: keep the row labels apart
    _plot_walls(right, run, curve)
    fig.suptitle(
        f"{run.total_latency / run.wall:.1f}x faster than one after another; at most "
        f"{run.peak_in_flight} requests were in flight at once",
        fontsize=11,
    )
    return fig, run


def _plot_walls(ax: Axes, run: FetchRun, curve: Sequence[FetchRun]) -> None:
    top = max(max(r.threads for r in curve), 2)
    xs = list(range(1, top + 1))
    ax.axhline(run.total_latency * 1e3, label="one after another (sum of waits)", **LIMIT_STYLE)
    best = [max(run.total_latency / n, run.slowest) * 1e3 for n in xs]
    ax.plot(xs, best, label="best possible: sum / threads, or the slowest page", **IDEAL_STYLE)
    ax.plot(
        [r.threads for r in curve],
        [r.wall * 1e3 for r in curve],
        marker="o",
        color=PALETTE[0],
        label="measured",
    )
    ax.plot(
        [run.threads],
        [run.wall * 1e3],
        marker="o",
        markersize=12,
        markerfacecolor="none",
        markeredgecolor="#000000",
        linestyle="none",
        label="this run",
    )
    ax.set_ylim(0, run.total_latency * 1e3 * 1.1)
    ax.set_xticks(xs if top <= 16 else xs[:: max(1, top // 8)])
    ax.legend(fontsize=8, loc="center right")  # below the serial line, above the curve
    finish(
        ax,
        xlabel="threads",
        ylabel="time to fetch every page (ms)",
        title=f"{len(run.pages)} pages, typical wait {run.latency_ms:g} ms",
    )


def fetch_explorer(
    threads: int = 4, pages: int = 16, latency_ms: int = DEFAULT_LATENCY_MS
) -> Explorer:
    """Threads, pages and typical wait → timeline + time against threads.

    Values outside the sliders' ranges (1-32 threads, 4-64 pages, 10-200 ms) are moved to
    the nearest end; values :func:`run_fetch` would refuse are refused here.
    """
    from ...draw.widgets import Explorer, int_slider  # ipywidgets only when a widget is wanted

    validate_int(threads, "threads", 1, _MAX_THREADS)
    validate_int(pages, "pages", 1, _MAX_PAGES)
    _validate_latency_ms(latency_ms)

    history = FetchHistory()

    def compute(**values: int) -> tuple[Figure, FetchRun]:
        return explore_fetch(**values, history=history)  # type: ignore[arg-type]

    controls = {
        "threads": int_slider("Threads", threads, 1, 32),
        "pages": int_slider("Pages", pages, 4, 64),
        "latency_ms": int_slider("Typical wait (ms)", latency_ms, 10, 200, step=10),
    }
    return Explorer(compute, controls, title="Fetch explorer")
