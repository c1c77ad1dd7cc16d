"""helpers.lessons.multiprocessing.processes: exit codes, cores, start methods, the guard."""

from __future__ import annotations

import sys
import threading

import pytest

from helpers.core import machine
from helpers.lessons.multiprocessing import processes

pytestmark = pytest.mark.usefixtures("nothing_left")


@pytest.mark.parametrize(
    ("code", "words"),
    [(None, "still running"), (0, "normally"), (1, "status 1"), (-15, "signal 15")],
)
def test_describe_exitcode(code: int | None, words: str) -> None:
    assert words in processes.describe_exitcode(code)


def test_default_start_methods_follow_the_docs() -> None:
    assert processes.default_start_method("Linux", (3, 13)) == "fork"
    assert processes.default_start_method("Linux", (3, 14)) == "forkserver"
    assert processes.default_start_method("macOS", (3, 7)) == "fork"
    assert processes.default_start_method("macOS", (3, 8)) == "spawn"
    assert processes.default_start_method("Windows", (3, 12)) == "spawn"
    with pytest.raises(ValueError, match="platform must be one of"):
        processes.default_start_method("BeOS", (3, 12))


def test_core_counts_name_each_source() -> None:
    counts = processes.core_counts()
    assert counts["machine.usable_cores()"] == machine.usable_cores()
    assert counts["multiprocessing.cpu_count()"] == counts["os.cpu_count()"]


def test_guard_script_without_guard_fails_in_the_child() -> None:
    unguarded = processes.run_guard_script(with_guard=False, start_method="spawn")
    assert "bootstrapping phase" in unguarded.stderr
    assert "exit code is 1" in unguarded.stdout
    guarded = processes.run_guard_script(with_guard=True, start_method="spawn")
    assert "child 1: hello" in guarded.stdout and "exit code is 0" in guarded.stdout
    assert 'if __name__ == "__main__":' in processes.guard_script(True)
    assert "__main__" not in processes.guard_script(False)


@pytest.mark.skipif("fork" not in machine.available_start_methods(), reason="no fork here")
def test_fork_warns_with_threads_from_312() -> None:
    release = threading.Event()
    helper = threading.Thread(target=release.wait, args=(10,))
    helper.start()
    try:
        check = processes.fork_and_record_warnings()
    finally:
        release.set()
        helper.join(10)
    assert check.exitcode == 0 and check.threads >= 2
    if sys.version_info >= (3, 12):
        assert any("fork" in w for w in check.warnings)
    else:
        assert check.warnings == ()
