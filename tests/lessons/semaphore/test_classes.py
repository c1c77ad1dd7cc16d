"""helpers.lessons.semaphore.classes: the explorer's implementations, refused by name when
unknown."""

from __future__ import annotations

import pytest

from helpers.lessons.semaphore import classes


def test_semaphore_class_validates() -> None:
    with pytest.raises(ValueError, match="implementation"):
        classes.semaphore_class("mine")
