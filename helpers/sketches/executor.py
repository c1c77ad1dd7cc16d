"""BROKEN ON PURPOSE: the syllabus's two ThreadPoolExecutor sketches, as written.

They look plausible and are wrong in ways that matter: keyword arguments vanish,
``shutdown(wait=True)`` can hang, a cancelled task kills a worker, ``SystemExit`` leaves a
future unresolved forever, ``submit`` races with ``shutdown``, and all threads start up front.
Lesson 07 runs them side by side with the standard executor and the teaching one, and shows
each failure safely. Never use them for real work.

Changes from the syllabus text, none of which affects the failures: worker threads get a
recognisable name, and the first sketch imports ``os`` (the syllabus forgot it).
"""

# ruff: noqa  -- the syllabus's code, kept as written (untyped, its own style)
from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Executor, Future


# --- The syllabus's first sketch ("a quick look at the source"), as written ------------------


class SyllabusSketch1:
    """BROKEN ON PURPOSE: the syllabus's first sketch. Do not use."""

    def __init__(self, max_workers=None):
        self._max_workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
        self._work_queue = queue.Queue()
        self._threads = set()
        self._shutdown = False
        self._init_workers()

    def _init_workers(self):
        for n in range(self._max_workers):
            t = threading.Thread(target=self._worker, name=f"syllabus-sketch-1_{n}")
            t.start()
            self._threads.add(t)

    def _worker(self):
        while not self._shutdown:
            task = self._work_queue.get()
            if task is not None:
                func, args, result_future = task
                try:
                    result = func(*args)
                    result_future.set_result(result)
                except Exception as e:
                    result_future.set_exception(e)
                self._work_queue.task_done()

    def submit(self, fn, *args, **kwargs):
        if self._shutdown:
            raise RuntimeError("Cannot submit new tasks to a shutdown executor")
        future = Future()
        self._work_queue.put((fn, args, future))
        return future

    def shutdown(self, wait=True):
        self._shutdown = True
        if wait:
            for t in self._threads:
                t.join()


# --- The syllabus's second sketch ("source analysis"), as written ------------------------------


class SyllabusSketch2(Executor):
    """BROKEN ON PURPOSE: the syllabus's second sketch. Do not use."""

    def __init__(self, max_workers=None):
        if max_workers is None:
            max_workers = (os.cpu_count() or 1) * 5
        self._max_workers = max_workers
        self._work_queue = queue.Queue()
        self._threads = set()
        self._shutdown = False
        self._shutdown_lock = threading.Lock()

        for n in range(max_workers):
            thread = threading.Thread(target=self._worker, name=f"syllabus-sketch-2_{n}")
            thread.start()
            self._threads.add(thread)

    def _worker(self):
        while True:
            try:
                task = self._work_queue.get(block=True)
                if task is None:
                    return
                func, args, future = task
                try:
                    result = func(*args)
                    future.set_result(result)
                except Exception as e:
                    future.set_exception(e)
            finally:
                self._work_queue.task_done()

    def submit(self, fn, *args, **kwargs):
        if self._shutdown:
            raise RuntimeError("Cannot schedule new futures after shutdown")
        future = Future()
        task = (fn, args, future)
        self._work_queue.put(task)
        return future

    def shutdown(self, wait=True):
        with self._shutdown_lock:
            self._shutdown = True
            for _ in self._threads:
                self._work_queue.put(None)

            if wait:
                for thread in self._threads:
                    thread.join()
