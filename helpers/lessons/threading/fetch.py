"""Fetching many pages from the :class:`~.web.SimulatedWeb`, serially or with threads.

:func:`fetch_threaded` is the notebook's plan, made safe: a fixed share of the pages per
thread, a deadline, and every thread stopped before it returns. :func:`run_fetch` runs it on a
fresh server and keeps the facts: the requests, the wall time, the most requests in flight.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import Int, Of, Progress, Seconds, validated
from ...core.lifecycle import stop
from .web import DEFAULT_LATENCY_MS, LatencyMs, PageRequest, Pages, SimulatedWeb, Urls, page_urls

MAX_THREADS = 64
#: How many fetching threads a run may start.
Threads = Annotated[int, Int(1, MAX_THREADS)]
#: How long a thread that was told to stop may take to finish its request in flight.
_STOP_GRACE_S = 5.0


@validated
def fetch_threaded(
    web: Annotated[SimulatedWeb, Of(SimulatedWeb)],
    urls: Urls,
    threads: Threads,
    *,
    progress: Progress = None,
    timeout: Annotated[float, Seconds(3600)] = 60.0,
) -> list[str | None]:
    """Fetch with ``threads`` threads; the pages come back in the order of ``urls``.

    The plan of the notebook's cell: thread ``k`` fetches pages ``k``, ``k + threads``, ... and
    writes each into its own slot of a list made beforehand, so no two threads ever write to
    the same place. Added here: progress reports from the calling thread, and a deadline after
    which the workers are told to stop (a page that failed stays ``None``). Raises
    ``TimeoutError`` if a worker is still running after that.
    """
    pages: list[str | None] = [None] * len(urls)
    halt = threading.Event()

    def worker(first: int) -> None:
        for i in range(first, len(urls), threads):
            if halt.is_set():
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
        halt.set()  # on an error or an interrupt: no new requests; each one in flight is short
        stop(workers, _STOP_GRACE_S).check("the fetching threads")
    if progress is not None:
        progress(sum(page is not None for page in pages), len(urls))
    return pages


@dataclass(frozen=True)
class FetchRun:
    """Fetching some pages serially or with threads: the requests and the facts about them."""

    threads: int  # 0 for the serial run on the calling thread
    latency_ms: float
    pages: tuple[str | None, ...]
    records: tuple[PageRequest, ...]
    t0: float
    wall: float
    peak_in_flight: int
    total_latency: float
    slowest: float

    def best_possible(self, threads: int | None = None) -> float:
        """No split of the pages over ``threads`` threads (default: this run's) can finish
        sooner than this: the total wait shared out evenly, but never less than the slowest."""
        count = self.threads if threads is None else threads
        return max(self.total_latency / max(count, 1), self.slowest)

    def describe(self) -> str:
        how = "one after another" if self.threads == 0 else f"on {self.threads} threads"
        return f"{len(self.pages)} pages {how}: {self.wall * 1e3:.0f} ms"


@validated
def run_fetch(
    pages: Pages = 16,
    threads: Annotated[int, Int(0, MAX_THREADS)] = 4,
    latency_ms: LatencyMs = DEFAULT_LATENCY_MS,
    *,
    progress: Progress = None,
) -> FetchRun:
    """Fetch ``pages`` simulated pages with ``threads`` threads (0: serially) and record it."""
    web = SimulatedWeb(latency_ms)
    urls = page_urls(pages)
    t0 = time.perf_counter()
    if threads == 0:  # serially, on this thread
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
