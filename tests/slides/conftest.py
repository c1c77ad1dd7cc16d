"""What the slide tests share: Debian's Chromium through Playwright, as tests/browser drives it.

Locally a test that needs Chromium (or Playwright) is skipped when it is missing; with
``CI=true`` that is a failure, so CI cannot pass without having looked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest


def missing(reason: str) -> None:
    """Skip the test, or fail it in CI."""
    harness.unavailable("slides test", reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with harness.chromium(harness.playwright("slides test")) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def npm() -> None:
    """`make slides` installs reveal.js with npm (Node.js)."""
    if shutil.which("npm") is None:
        missing("npm is not installed (Debian: apt-get install npm)")
