"""A deterministic web server for notebook 02: no network, repeatable waits.

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
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import Int, Items, Millis, Of, validated
from ...core.spans import Span

DEFAULT_LATENCY_MS = 50
LATENCY_MS_RANGE = (1, 1_000)
MAX_PAGES = 256

#: A server's typical wait, in milliseconds.
LatencyMs = Annotated[float, Millis(*LATENCY_MS_RANGE)]
#: How many pages one demo fetches.
Pages = Annotated[int, Int(1, MAX_PAGES)]
#: A list of URLs (a single string is refused: it would be read letter by letter).
Urls = Annotated[Sequence[str], Items(Of(str), what="URL")]


@validated
def page_urls(count: Pages) -> list[str]:
    """``count`` made-up URLs: ``https://example.org/articles/000`` and so on."""
    return [f"https://example.org/articles/{i:03d}" for i in range(count)]


def _page_number(url: str, fallback: int) -> int:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else fallback


class PageNotFound(LookupError):
    """The simulated server's 404."""


@dataclass(frozen=True)
class PageRequest:
    """One request: which page, and whether it was found.

    ``span`` is when it waited (``index``: the page's number; ``row``: the name of the thread
    that asked). Its ``running`` is empty because a request only waits, so its bar on a
    timeline is faded from start to end.
    """

    url: str
    ok: bool
    span: Span


class SimulatedWeb:
    """A pretend web server with fixed, repeatable latencies.

    ``mean_latency_ms`` sets the typical wait; each URL's wait is between 0.4x and 1.6x of it,
    chosen by a hash of the URL (so it never changes). URLs in ``missing`` raise
    :class:`PageNotFound` after their wait, like a 404. Safe to call from many threads.
    """

    @validated
    def __init__(
        self,
        mean_latency_ms: LatencyMs = DEFAULT_LATENCY_MS,
        missing: Annotated[Iterable[str], Items(Of(str), empty_ok=True)] = (),
    ) -> None:
        self.mean_latency_ms = float(mean_latency_ms)
        self.missing = frozenset(missing)
        self._lock = threading.Lock()  # guards the bookkeeping below; notebook 04 explains locks
        self.reset()

    def reset(self) -> None:
        """Forget every request made so far."""
        with self._lock:
            self._records: list[PageRequest] = []
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
                self._records.append(PageRequest(url, ok, Span(number, start, end, row=me.name)))

    @property
    def records(self) -> tuple[PageRequest, ...]:
        """Every finished request, in the order they started."""
        with self._lock:
            return tuple(sorted(self._records, key=lambda r: r.span.start))

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
