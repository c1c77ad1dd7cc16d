"""helpers.lessons.beyond_the_gil.beyond_gil: interpreters found, probed and benchmarked in
subprocesses (through scripts/threads_bench.py and scripts/ft_races.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers.lessons.beyond_the_gil import beyond_gil


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
    assert len(result.cores_busy) == 2 and all(busy > 0 for busy in result.cores_busy)


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
        ({"max_threads": 0}, ValueError, "max_threads must be between 1 and 64"),
        ({"max_threads": 65}, ValueError, "max_threads must be between 1 and 64"),
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
    assert isinstance(race, beyond_gil.FreeThreadedRace)
    assert race.error is None and race.expected == 6_000
    assert race.appended == 6_000 and 0 < race.counter <= 6_000


def test_free_threaded_build_can_be_switched_back_to_the_gil() -> None:
    ft = free_threaded()
    if ft is None:
        pytest.skip("no free-threaded Python here (make freethreaded, or set $LAB_PYTHONS)")
    assert ft.gil_enabled is False
    forced = beyond_gil.probe(ft.path, ft.source, env={"PYTHON_GIL": "1"})
    assert forced is not None and forced.gil_enabled is True


def test_probe_says_whether_concurrent_interpreters_exists(kernel_python) -> None:
    import importlib.util

    expected = importlib.util.find_spec("concurrent.interpreters") is not None
    assert kernel_python.has_interpreters is expected


def test_subinterpreters_script_says_when_there_is_no_concurrent_interpreters(
    kernel_python,
) -> None:
    report = beyond_gil.run_subinterpreters(kernel_python, workers=2, task_ms=10)
    assert report.error is None and report.available is kernel_python.has_interpreters
    if not report.available:
        assert (report.isolation, report.imports, report.pool) == ({}, {}, [])


def test_subinterpreters_where_python_has_them() -> None:
    found = [i for i in beyond_gil.find_interpreters(force_gil_variant=False) if i.has_interpreters]
    if not found:
        pytest.skip("no Python 3.14+ here: concurrent.interpreters does not exist")
    report = beyond_gil.run_subinterpreters(found[0], workers=2, task_ms=10)
    assert report.error is None and report.available
    assert report.isolation == {"main_sees": ["main"], "sub_saw": ["sub"]}
    assert report.raised == {"raised": "ExecutionFailed", "inside": "ValueError"}
    assert report.imports["_json"] == "ok" and report.pool == [n * n for n in range(8)]
    assert report.parallel["workers"] == 2 and report.parallel["cores_busy"] > 0


def test_a_broken_subinterpreters_run_is_reported_not_raised() -> None:
    broken = beyond_gil.Interpreter("/bin/false", "0", False, True, "test")
    report = beyond_gil.run_subinterpreters(broken)
    assert report.error is not None


@pytest.mark.parametrize("name", sorted(beyond_gil.SCRIPTS))
def test_every_script_can_be_shown(name: str) -> None:
    module = beyond_gil.load_script(name)
    assert module.__file__ == str(beyond_gil.SCRIPTS[name])
    assert beyond_gil.load_script(name) is module  # loaded once
    assert callable(module.main)


def test_load_average_is_a_number_where_the_os_has_one() -> None:
    load = beyond_gil.load_average()
    assert load is None or load >= 0


def test_the_paths_point_into_the_repository() -> None:
    root = Path(__file__).resolve().parents[3]
    build = root / "build" / "python3.13t" / "bin" / "python3.13t"
    scripts = root / "helpers" / "lessons" / "beyond_the_gil" / "scripts"
    assert (
        build,
        scripts / "threads_bench.py",
        scripts / "ft_races.py",
        scripts / "subinterpreters.py",
    ) == (
        beyond_gil.REPO_BUILD,
        beyond_gil.BENCH_SCRIPT,
        beyond_gil.RACE_SCRIPT,
        beyond_gil.SUBINTERPRETERS_SCRIPT,
    )
    assert all(path.is_file() for path in beyond_gil.SCRIPTS.values())
    assert (scripts / "subinterp_tasks.py").is_file()
    assert not (scripts / "__init__.py").exists()  # run by path, not imported
