"""helpers.lessons.threading.output: the rule for where a thread's late output lands, by
ipykernel version and by whether threads inherit their starter's context. (Whether a real
kernel follows it: test_thread_output.py.)"""

from __future__ import annotations

import sys

import pytest

from helpers.lessons.threading import output


@pytest.mark.parametrize(
    ("version", "inherits", "target", "said"),
    [
        ("6.28.0", False, output.LATEST, "cell that is running"),
        ("6.28.0", True, output.LATEST, "cell that is running"),  # before contexts were used
        ("6.29.0", False, output.STARTING, "PR #1186"),
        ("7.0.1", False, output.STARTING, "PR #1186"),
        ("7.1.0", False, output.LATEST, "not to the cell that started"),
        ("7.4.0", False, output.LATEST, "not to the cell that started"),
        ("7.4.0", True, output.STARTING, "issue #1491"),
        ("8.0.0a1", True, output.STARTING, "issue #1491"),
    ],
)
def test_the_rule_by_version(version: str, inherits: bool, target: str, said: str) -> None:
    routing = output.thread_output_routing(version, inherits)
    assert routing.target == target and said in str(routing)


def test_outside_a_kernel_and_bad_versions() -> None:
    if "ipykernel" not in sys.modules:
        assert output.thread_output_routing().target is None
        assert "Not running in a Jupyter kernel" in str(output.thread_output_routing())
    with pytest.raises(ValueError, match="kernel_version"):
        output.thread_output_routing("seven")
    with pytest.raises(TypeError, match="inherits_context"):
        output.thread_output_routing("7.1.0", 1)  # type: ignore[arg-type]
    assert output.threads_inherit_context() == bool(getattr(sys.flags, "thread_inherit_context", 0))
