"""Bounded starts, joins and stops of threads and processes, and what they report."""

from __future__ import annotations

import threading

import pytest

from helpers.core.lifecycle import Stopped, run_threads, stop


def test_run_threads_reraises_and_times_out() -> None:
    def boom() -> None:
        raise KeyError("inside a thread")

    with pytest.raises(KeyError):
        run_threads(boom, [()] * 2)
    release = threading.Event()
    with pytest.raises(TimeoutError):
        run_threads(release.wait, [(2.0,)], timeout=0.1)
    release.set()


def test_join_all_reports_the_living() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(5,), name="sleeper")
    thread.start()
    report = stop([thread], 0.01)
    assert report.running == ("sleeper",) and not report.clean
    with pytest.raises(TimeoutError, match="sleeper"):
        report.check()
    release.set()
    assert stop([thread], 5) == Stopped(("sleeper",), (), (), ())
