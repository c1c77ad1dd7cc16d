"""Live presenting: jupyterlab-myst-revealjs (requirements.txt) is installed, JupyterLab loads
it, and its slideshow view of a lesson shows the slides tools/slide_breaks.py marks and moves
with the keyboard, in headless Chromium, with no console error.

Locally the test is skipped when the extension, Playwright or Chromium is missing; with
``CI=true`` each of those is a failure. The server runs on a scratch folder holding one marked
copy of lesson 00, so nothing in the repository changes.
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Iterator
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest
import slide_breaks
import sync_notebooks

JUPYTER = harness.JUPYTER
EXTENSION = "jupyterlab-myst-revealjs"
LESSON = slide_breaks.LESSONS / "00_start_here.md"

OPENED = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!(panel && panel.context && panel.context.isReady);
}"""


@pytest.fixture(scope="module")
def installed() -> None:
    if importlib.util.find_spec("jupyterlab_myst_revealjs") is None:
        reason = f"{EXTENSION} is not installed (make lab installs requirements.txt)"
        harness.unavailable("live slides test", reason)


def test_jupyterlab_loads_the_extension_and_nothing_is_incompatible(installed: None) -> None:
    listed = subprocess.run(
        [str(JUPYTER), "labextension", "list"], capture_output=True, text=True, timeout=120
    )
    report = listed.stdout + listed.stderr
    line = next((x for x in report.splitlines() if f"{EXTENSION} " in x), "")
    assert "enabled" in line and "OK" in line, report
    # An extension built for another JupyterLab is listed, enabled, and never loaded (as
    # jupyterlab-myst 2.7.0 is on JupyterLab 4.6): the list says so, and that must not happen.
    assert "is not compatible" not in report, report


@pytest.fixture(scope="module")
def lab(installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """JupyterLab as `make lab` starts it (localhost, token), serving a marked lesson 00."""
    scratch = tmp_path_factory.mktemp("live")
    lesson = scratch / "course" / LESSON.name
    lesson.parent.mkdir(parents=True)
    lesson.write_text(slide_breaks.mark(LESSON.read_text(encoding="utf-8"))[0], encoding="utf-8")
    (scratch / "course" / "00_start_here.ipynb").write_text(sync_notebooks.render(lesson))
    lesson.unlink()  # the notebook alone: jupytext would otherwise pair it with this file
    # Windowing stays JupyterLab's default here: the slideshow is what a presenter sees.
    harness.write_lab_settings(scratch / "settings", every_cell_in_the_dom=False)
    with harness.jupyter_lab(scratch) as lab:
        yield lab


# The text of the slide on show once it differs from `before`. During reveal.js's transition no
# slide may be marked present, so the text is read in the same step that sees the change.
PRESENT_CHANGED = """(before) => {
  const slide = document.querySelector('.reveal .slides > section.present');
  const text = slide && slide.innerText;
  return text && text !== before ? text : false;
}"""


def _present_slide(page: Any, before: str) -> str:
    return page.wait_for_function(PRESENT_CHANGED, arg=before, timeout=10_000).json_value()


def test_the_slideshow_shows_the_marked_slides_and_moves(lab: dict, browser: Any) -> None:
    expected = slide_breaks.plan(LESSON).counts[slide_breaks.SLIDE]
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{lab['base']}/lab/tree/00_start_here.ipynb?token={lab['token']}")
        page.wait_for_function(OPENED, timeout=90_000)
        page.evaluate("() => { window.jupyterapp.commands.execute('slideshow:open'); }")
        slides = page.locator(".reveal .slides > section")
        page.wait_for_function(
            "(n) => document.querySelectorAll('.reveal .slides > section').length === n",
            arg=expected,
            timeout=60_000,
        )
        assert slides.count() == expected
        first = _present_slide(page, "")
        page.locator(".reveal").first.click(position={"x": 640, "y": 360})
        page.keyboard.press("ArrowRight")
        assert "How to use the notebooks" in _present_slide(page, first)
        assert not problems, problems
    finally:
        page.close()
