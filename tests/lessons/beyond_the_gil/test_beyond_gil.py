"""helpers.beyond_gil, helpers.threads_bench, helpers.ft_races and notebook 10's checkers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from helpers.lessons.beyond_the_gil import beyond_gil, exercises


@pytest.fixture(scope="module")
def kernel_python() -> beyond_gil.Interpreter:
    found = beyond_gil.probe(sys.executable, "this kernel")
    assert found is not None
    return found


def free_threaded() -> beyond_gil.Interpreter | None:
    return next(
        (i for i in beyond_gil.find_interpreters(force_gil_variant=False) if i.free_threaded), None
    )


def test_probe_reports_this_interpreter(kernel_python: beyond_gil.Interpreter) -> None:
    assert kernel_python.version == ".".join(map(str, sys.version_info[:3]))
    assert kernel_python.gil_enabled == (getattr(sys, "_is_gil_enabled", lambda: True)())
    assert beyond_gil.probe("/no/such/python", "nowhere") is None


def test_find_interpreters_starts_with_the_kernel_and_dedupes(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv(beyond_gil.PYTHONS_ENV, f"{sys.executable}:{tmp_path / 'missing'}")
    found = beyond_gil.find_interpreters()
    assert found[0].source == "this kernel"
    assert sum(1 for i in found if i.path == found[0].path and not i.env) == 1


@pytest.mark.parametrize(("top", "counts"), [(1, [1]), (4, [1, 2, 4]), (6, [1, 2, 4, 6])])
def test_thread_counts(top: int, counts: list[int]) -> None:
    assert beyond_gil.thread_counts(top) == counts


def test_bench_runs_in_a_subprocess(kernel_python: beyond_gil.Interpreter) -> None:
    result = beyond_gil.run_bench(kernel_python, [1, 2], task_seconds=0.005, repeats=1)
    assert result.error is None and result.threads == [1, 2] and len(result.speedups) == 2
    assert result.gil_enabled == kernel_python.gil_enabled and result.cores >= 1
    rows = zip(result.speedups, result.low, result.high, strict=True)
    assert all(lo <= s <= hi for s, lo, hi in rows)


def test_a_broken_interpreter_is_reported_not_raised(kernel_python) -> None:
    broken = beyond_gil.Interpreter("/bin/false", "0", False, True, "test")
    result = beyond_gil.run_bench(broken, [1], task_seconds=0.005, repeats=1)
    assert result.error is not None and result.speedups == []


def test_compare_interpreters_plots_and_reports_progress(kernel_python) -> None:
    seen: list[tuple[int, int]] = []
    fig, results = beyond_gil.compare_interpreters(
        2, 5, 1, interpreters=[kernel_python], progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 1)] and len(results) == 1
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("threads") and "speedup" in ax.get_ylabel()
    if not kernel_python.free_threaded:
        assert any("No free-threaded Python found" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"max_threads": 0}, ValueError, "max_threads must be >= 1"),
        ({"max_threads": 65}, ValueError, "max_threads must be <= 64"),
        ({"task_ms": 0}, ValueError, "task_ms must be between"),
        ({"repeats": 0}, ValueError, "repeats must be >= 1"),
        ({"interpreters": []}, ValueError, "at least one Python"),
    ],
)
def test_compare_interpreters_rejects_bad_arguments(kwargs, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        beyond_gil.compare_interpreters(**kwargs)


def test_races_script_never_loses_appends(kernel_python) -> None:
    race = beyond_gil.run_races(kernel_python, threads=3, increments=2_000)
    assert race.error is None and race.expected == 6_000
    assert race.appended == 6_000 and 0 < race.counter <= 6_000


def test_free_threaded_build_can_be_switched_back_to_the_gil() -> None:
    ft = free_threaded()
    if ft is None:
        pytest.skip("no free-threaded Python here (make freethreaded, or set $LAB_PYTHONS)")
    assert ft.gil_enabled is False
    forced = beyond_gil.probe(ft.path, ft.source, env={"PYTHON_GIL": "1"})
    assert forced is not None and forced.gil_enabled is True


def test_bench_script_validates_its_arguments() -> None:
    done = subprocess.run(
        [sys.executable, str(beyond_gil.BENCH_SCRIPT), "--threads", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "threads must be >= 1" in done.stderr
    ok = subprocess.run(
        [
            sys.executable,
            str(beyond_gil.BENCH_SCRIPT),
            "--threads",
            "1",
            "--task-seconds",
            "0.002",
            "--repeats",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(ok.stdout)["results"][0]["threads"] == 1


# --- checkers ---------------------------------------------------------------------------------


def good_probe(sys_module) -> bool:
    probe = getattr(sys_module, "_is_gil_enabled", None)
    return True if probe is None else probe()


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (lambda s: s._is_gil_enabled(), "AttributeError"),
        (lambda s: False, "every CPython has the GIL"),
        (lambda s: True, "returns False"),
        (lambda s: not getattr(s, "_is_gil_enabled", lambda: True)(), "every CPython has the GIL"),
        ("yes", "should be a function"),
    ],
)
def test_gil_probe_checker(answer, fragment: str) -> None:
    assert exercises.check_gil_probe(good_probe).ok
    feedback = exercises.check_gil_probe(answer)
    assert not feedback.ok and fragment in feedback.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ({"counter += 1"}, "still a race"),
        (set(exercises.RACY | {"items.append(x)"}), "safe on every build"),
        ({"counter++"}, "not one of the four"),
        (None, "set of the statements"),
    ],
)
def test_still_racy_checker(answer, fragment: str) -> None:
    assert exercises.check_still_racy(set(exercises.RACY)).ok
    feedback = exercises.check_still_racy(answer)
    assert not feedback.ok and fragment in feedback.message


class LockedCounter:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


class NaiveCounter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        self.value += 1


class NoValue:
    def __init__(self) -> None:
        self.count = 0

    def increment(self) -> None:
        self.count += 1


def test_safe_counter_checker() -> None:
    assert exercises.check_safe_counter(LockedCounter).ok
    naive = exercises.check_safe_counter(NaiveCounter)
    assert not naive.ok and "updates were lost" in naive.message
    assert "attribute called value" in exercises.check_safe_counter(NoValue).message
