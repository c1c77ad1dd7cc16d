"""A teaching ``ThreadPoolExecutor``: short enough to read in one sitting, and correct.

It follows the design of CPython's ``concurrent/futures/thread.py`` (3.12+) and keeps its
attribute names (``_threads``, ``_work_queue``, ``_idle_semaphore``, ``_shutdown``,
``_broken``), so the notebook can look inside both executors the same way:

* **Lazy threads.** No thread exists until the first ``submit``. Each ``submit`` first tries
  to hand the work to an idle thread (``_idle_semaphore``, bpo-24882) and only starts a new
  thread, up to ``max_workers``, when none is idle. A worker counts itself idle only when the
  queue is empty (gh-102024, Python 3.12; 3.10 and 3.11 count after every task).
* **One queue, one sentinel.** Work items wait on a ``queue.SimpleQueue``: its ``put`` never
  blocks or takes a lock a garbage-collection callback could be holding (bpo-32576). Shutdown
  puts a single ``None`` on it; every worker that takes the ``None`` puts it back before
  exiting, so the one sentinel wakes every worker in turn, after the work queued before it.
* **Nothing left behind.** A weak reference to the executor wakes the workers when it is
  garbage-collected without ``shutdown``; an interpreter-exit hook wakes and joins every worker,
  even after ``shutdown(wait=False)`` (the threads are not daemons, so work in progress is
  never cut off; bpo-39812).
* **Futures always resolve.** A task's exception, even ``SystemExit`` or ``KeyboardInterrupt``,
  is set on its future; a cancelled future's task is skipped; an initializer that fails is
  logged and breaks the pool: every pending future fails with ``BrokenThreadPool``.
* **Failures are logged like CPython's**, at CRITICAL on the ``concurrent.futures`` logger.

Tests run one behavioural suite against this class and ``concurrent.futures.ThreadPoolExecutor``,
and CPython's own thread-pool tests against this class.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.thread import BrokenThreadPool
from typing import Any

__all__ = ["BrokenThreadPool", "ThreadPoolExecutor", "default_max_workers"]

# The logger the standard executor reports to (``concurrent.futures._base.LOGGER``).
LOGGER = logging.getLogger("concurrent.futures")

# A work item is a plain tuple: the hot path creates one per task, and a tuple is the cheapest.
WorkItem = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def default_max_workers() -> int:
    """``min(32, CPUs + 4)``: the standard default for the running Python version.

    3.13+ counts the CPUs this process may use (``os.process_cpu_count``); 3.8-3.12 count all
    CPUs (``os.cpu_count``). The ``+ 4`` keeps some threads for I/O-bound work even on one CPU;
    the 32 cap avoids hundreds of threads on a big machine.
    """
    count = getattr(os, "process_cpu_count", os.cpu_count)
    return min(32, (count() or 1) + 4)


# --- The interpreter-exit hook ---------------------------------------------------------------
# Workers are ordinary (non-daemon) threads, and Python joins those before it exits. A worker
# blocked in ``get()`` would make that join wait forever, so this hook runs first: it wakes
# every live worker with a sentinel and joins it, whether or not its pool was shut down. The
# lock keeps ``submit`` from starting a worker, or queueing work, after the hook has begun.
_all_workers: weakref.WeakKeyDictionary[threading.Thread, queue.SimpleQueue[Any]] = (
    weakref.WeakKeyDictionary()
)
_exiting = False
_exit_lock = threading.Lock()


def _wake_workers_at_exit() -> None:
    global _exiting
    with _exit_lock:
        _exiting = True
    workers = list(_all_workers.items())
    for _, work_queue in workers:
        work_queue.put(None)
    for thread, _ in workers:
        thread.join()


# ``threading._register_atexit`` runs the hook before the non-daemon threads are joined.
threading._register_atexit(_wake_workers_at_exit)

# A forked child has only the thread that forked. Hold the lock across the fork so the child
# never inherits it half-way through a ``submit``, then give the child a fresh lock (bpo-45021)
# and forget the parent's workers, which do not exist there (CPython 3.14 does the same).
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_exit_lock.acquire,
        after_in_child=_exit_lock._at_fork_reinit,
        after_in_parent=_exit_lock.release,
    )
    os.register_at_fork(after_in_child=_all_workers.clear)


# --- The worker --------------------------------------------------------------------------------
def _worker(
    executor_ref: weakref.ref[ThreadPoolExecutor],
    work_queue: queue.SimpleQueue[WorkItem | None],
    idle: threading.Semaphore,
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
) -> None:
    """The loop every pool thread runs. It holds only a *weak* reference to the executor."""
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException as error:
            LOGGER.critical("Exception in initializer:", exc_info=True)
            executor = executor_ref()
            if executor is not None:
                executor._initializer_failed(error)
            return
    try:
        while True:
            try:
                item = work_queue.get_nowait()
            except queue.Empty:
                idle.release()  # about to sleep: submit may now reuse this thread
                item = work_queue.get()
            if item is None:
                # A sentinel means this pool is finished (shut down, dropped, or the program is
                # exiting). Like CPython, mark it shut down at once, so a late submit() says so.
                executor = executor_ref()
                if executor is not None:
                    executor._shutdown = True
                del executor
                work_queue.put(None)  # pass the sentinel on to the next worker
                return
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():  # False: cancelled while pending, skip it
                try:
                    result = fn(*args, **kwargs)
                except BaseException as error:  # even SystemExit: the future must resolve
                    future.set_exception(error)
                else:
                    future.set_result(result)
                    del result
            # Drop the task now, not when the next one arrives: a large argument or result
            # should not stay alive while this thread sleeps (GH-60488), and an exception's
            # traceback would otherwise keep a cycle (future -> exception -> frame -> future).
            del future, fn, args, kwargs
    except BaseException:
        # Only a failure outside the task gets here: a future resolved by someone else (its
        # set_result raises InvalidStateError), or an exception raised into this thread. Like
        # CPython, log it and let this thread end. It is not replaced: the pool now has one
        # worker fewer (it still counts in _threads), which is why the log says CRITICAL.
        LOGGER.critical("Exception in worker", exc_info=True)


# --- The executor ------------------------------------------------------------------------------
class ThreadPoolExecutor(Executor):
    """A pool of at most ``max_workers`` threads, created on demand and reused."""

    _counter = itertools.count()  # numbers the pools that get no thread_name_prefix

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        if max_workers is None:
            max_workers = default_max_workers()
        # Exactly CPython's check: any number above 0 is accepted (even 2.5 or True), and a
        # value that cannot be compared with 0 raises that comparison's TypeError.
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._thread_name_prefix = thread_name_prefix or f"ThreadPoolExecutor-{next(self._counter)}"
        self._initializer = initializer
        self._initargs = initargs
        self._work_queue: queue.SimpleQueue[WorkItem | None] = queue.SimpleQueue()
        self._idle_semaphore = threading.Semaphore(0)  # counts workers waiting for work
        self._threads: set[threading.Thread] = set()
        self._shutdown = False
        self._broken: str | bool = False  # the reason, once an initializer has failed
        self._shutdown_lock = threading.Lock()  # makes "check the state, then enqueue" atomic

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Schedule ``fn(*args, **kwargs)`` and return a ``Future`` for its result."""
        with self._shutdown_lock, _exit_lock:
            if self._broken:
                raise BrokenThreadPool(self._broken)
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if _exiting:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")
            future: Future[Any] = Future()
            self._work_queue.put((future, fn, args, kwargs))
            self._adjust_thread_count()
            return future

    def _adjust_thread_count(self) -> None:
        # An idle worker will take the item we just queued: no new thread needed.
        # (blocking=False: a plain try, the same as CPython's acquire(timeout=0).)
        if self._idle_semaphore.acquire(blocking=False):
            return
        if len(self._threads) >= self._max_workers:
            return  # every worker is busy; the item waits in the queue

        # Called when the executor is garbage-collected: wakes the workers so they exit.
        # It must not refer to the executor itself, or the executor could never be collected.
        def wake_up(_: object, work_queue: queue.SimpleQueue[Any] = self._work_queue) -> None:
            work_queue.put(None)

        thread = threading.Thread(
            name=f"{self._thread_name_prefix}_{len(self._threads)}",
            target=_worker,
            args=(
                weakref.ref(self, wake_up),
                self._work_queue,
                self._idle_semaphore,
                self._initializer,
                self._initargs,
            ),
        )
        thread.start()
        self._threads.add(thread)
        _all_workers[thread] = self._work_queue

    def _initializer_failed(self, error: BaseException) -> None:
        """A worker's initializer raised: the pool is broken, pending futures fail.

        Two details differ from CPython 3.10-3.14, which call ``set_exception`` on every queued
        future (raising ``InvalidStateError`` in the worker at the first cancelled one, which
        leaves the rest unresolved) and drop a shutdown's sentinel: here a cancelled future stays
        cancelled, the sentinel goes back for the other workers, and the initializer's exception
        is the ``__cause__`` of each ``BrokenThreadPool``.
        """
        with self._shutdown_lock:
            self._broken = "A thread initializer failed, the thread pool is not usable anymore"
            sentinel_seen = False
            while True:
                try:
                    item = self._work_queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    sentinel_seen = True
                    continue
                future = item[0]
                if future.set_running_or_notify_cancel():  # a cancelled one stays cancelled
                    broken = BrokenThreadPool(self._broken)
                    broken.__cause__ = error
                    future.set_exception(broken)
            if sentinel_seen:  # a shutdown is in progress: other workers still need it
                self._work_queue.put(None)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting work; let workers finish what is queued (or cancel it), then exit.

        ``wait=True`` joins every worker. It cannot hang on idle workers: the sentinel wakes
        them. It waits only for tasks that are running (and, without ``cancel_futures``, queued).
        With ``wait=False`` the workers still finish their work: the exit hook joins them.
        """
        with self._shutdown_lock:
            self._shutdown = True
            if cancel_futures:
                while True:
                    try:
                        item = self._work_queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            self._work_queue.put(None)  # one sentinel, relayed from worker to worker
        if wait:
            for thread in self._threads:
                thread.join()
