"""helpers.source: the live source of the running interpreter."""

from __future__ import annotations

import inspect
import sys
import threading

import pytest

from helpers.core.source import source_of


def test_source_of_a_class_is_the_running_interpreters() -> None:
    src = source_of(threading.Condition)
    assert src.code == inspect.getsource(threading.Condition)
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in src.origin
    assert src.origin.startswith(inspect.getsourcefile(threading.Condition) or "?")


def test_slicing_and_marking() -> None:
    src = source_of(threading.Condition, start=r"def wait\(", end=r"return gotit", mark=r"_waiters")
    lines = src.lines()
    assert lines[0].strip().startswith("def wait(") and lines[-1].strip() == "return gotit"
    assert src.marks and all("_waiters" in lines[n - src.first_line] for n in src.marks)
    _, start = inspect.getsourcelines(threading.Condition)
    assert src.first_line > start
    assert ">" in str(src) and "<span" in src._repr_html_()


def test_missing_pattern_or_source_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not found in the source"):
        source_of(threading.Condition, start="no such line")
    with pytest.raises(ValueError, match="no Python source available"):
        source_of(len)
