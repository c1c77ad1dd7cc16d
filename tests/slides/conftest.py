"""What the slide tests share: Debian's Chromium through Playwright, as tests/browser drives it.

Locally a test that needs Chromium (or Playwright) is skipped when it is missing; with
``CI=true`` that is a failure, so CI cannot pass without having looked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(reason: str) -> None:
    """Skip the test, or fail it in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"slides test cannot run in CI: {reason}")
    pytest.skip(f"slides test skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as api:
        chromium = api.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def npm() -> None:
    """`make slides` installs reveal.js with npm (Node.js)."""
    if shutil.which("npm") is None:
        missing("npm is not installed (Debian: apt-get install npm)")
