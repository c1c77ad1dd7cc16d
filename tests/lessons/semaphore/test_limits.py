"""helpers.lessons.semaphore.limits: the comparison of a semaphore around one step with a
pool's max_workers refuses bad arguments by name. (That both ways respect the limit is
checked, with the figure, in test_figures.py.)"""

from __future__ import annotations

import pytest

from helpers.lessons.semaphore import limits


def test_compare_limits_validates() -> None:
    with pytest.raises(ValueError, match="use_ms"):
        limits.compare_limits(use_ms=0)
