"""helpers.machine: the facts demos adapt to."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from helpers.core import machine


def test_usable_cores_is_within_what_the_os_reports() -> None:
    cores = machine.usable_cores()
    assert 1 <= cores <= machine.affinity_cpus() <= machine.logical_cpus()


@pytest.mark.parametrize(
    ("content", "expected"),
    [("max 100000\n", None), ("150000 100000\n", 1.5), ("50000 100000\n", 0.5)],
)
def test_cpu_quota_reads_cgroup_v2(tmp_path: Path, content: str, expected: float | None) -> None:
    (tmp_path / "cpu.max").write_text(content)
    assert machine.cpu_quota(tmp_path) == expected


def test_cpu_quota_reads_cgroup_v1(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert machine.cpu_quota(tmp_path) == 2.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert machine.cpu_quota(tmp_path) is None


def test_cpu_quota_is_none_without_cgroup_files(tmp_path: Path) -> None:
    assert machine.cpu_quota(tmp_path) is None


def test_a_quota_caps_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(machine, "affinity_cpus", lambda: 8)
    monkeypatch.setattr(machine, "cpu_quota", lambda: 1.0)
    assert machine.usable_cores() == 1
    monkeypatch.setattr(machine, "cpu_quota", lambda: 0.3)
    assert machine.usable_cores() == 1
    monkeypatch.setattr(machine, "cpu_quota", lambda: None)
    assert machine.usable_cores() == 8


def test_start_method_defaults_to_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(machine.START_METHOD_ENV, raising=False)
    assert machine.start_method() == multiprocessing.get_context().get_start_method()
    assert machine.report().start_method_source == "platform default"


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_start_method_switch_selects_the_context(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    monkeypatch.setenv(machine.START_METHOD_ENV, method)
    assert machine.start_method() == method
    assert machine.mp_context().get_start_method() == method
    assert "LAB_START_METHOD" in machine.report().start_method_source


def test_unknown_start_method_is_rejected_naming_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(machine.START_METHOD_ENV, "teleport")
    with pytest.raises(ValueError, match=r"LAB_START_METHOD.*spawn.*teleport"):
        machine.start_method()
    with pytest.raises(ValueError, match=r"start_method must be one of"):
        machine.mp_context("threads")
    with pytest.raises(TypeError, match="start_method must be a string"):
        machine.mp_context(3)


def test_gil_fields_agree_with_the_interpreter() -> None:
    import sys

    info = machine.report()
    probe = getattr(sys, "_is_gil_enabled", None)
    assert info.gil_enabled == (True if probe is None else probe())
    if not info.free_threaded:
        assert info.gil_enabled


def test_report_renders_as_text_and_html() -> None:
    info = machine.report()
    text, page = str(info), info._repr_html_()
    for name, value in info.rows():
        assert name in text and value in text
    assert page.startswith("<table>") and "Usable cores" in page
    assert info.advice() in text


def test_advice_explains_a_single_core() -> None:
    info = machine.report()
    one_core = machine.MachineInfo(**{**info.__dict__, "usable_cores": 1})
    assert "processes cannot beat threads" in one_core.advice()
    many = machine.MachineInfo(**{**info.__dict__, "usable_cores": 4})
    assert "at most 4x" in many.advice()


@pytest.mark.parametrize("gil", [True, False])
def test_advice_never_promises_parallelism_on_one_core(gil: bool) -> None:
    info = machine.report()
    one_core = machine.MachineInfo(**{**info.__dict__, "usable_cores": 1, "gil_enabled": gil})
    assert "in parallel" not in one_core.advice().split("in parallel:", 1)[1]
    many = machine.MachineInfo(**{**info.__dict__, "usable_cores": 2, "gil_enabled": gil})
    assert "run in parallel" in many.advice()
