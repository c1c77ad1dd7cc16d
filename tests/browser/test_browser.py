"""End to end: every notebook run in JupyterLab, driven by headless Chromium through Playwright.

nbval proves the code runs; this proves the course works where learners meet it: widgets
render, explorers respond to their controls, progress shows while they run, plots redraw.

Locally the test is skipped when Chromium or Playwright is missing; with ``CI=true`` that is a
failure. The server runs on a scratch copy of notebooks/, so nothing in the repository changes.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
NOTEBOOK_TIMEOUT_MS = 180_000
EXPLORER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def playwright_api() -> Any:
    return harness.playwright("browser test")


@pytest.fixture(scope="session")
def lab(playwright_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """JupyterLab as `make lab` starts it, on a scratch copy of notebooks/."""
    scratch = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", scratch / "course" / "notebooks")
    harness.write_lab_settings(scratch / "settings")
    with harness.jupyter_lab(scratch) as lab:
        yield lab


@pytest.fixture(scope="session")
def browser(playwright_api: Any) -> Iterator[Any]:
    with harness.chromium(playwright_api) as chromium:
        yield chromium


class LabPage:
    """One JupyterLab, loaded once in one page, in which each test opens its notebook.

    Loading JupyterLab costs Chromium about 10 s of CPU, several times what a notebook's Run
    All costs it, so the tests share the loaded app. Each test starts with no notebook open, no
    kernel running and no problem recorded; after a failure the page is loaded afresh, so that
    a dialog or a stuck kernel cannot spill into the next test.
    """

    def __init__(self, browser: Any, lab: dict[str, str]) -> None:
        self.lab = lab
        self.page = browser.new_page(viewport={"width": 1500, "height": 1100})
        self.problems = _watch_errors(self.page)
        self.reload()

    def reload(self) -> None:
        # `reset`: a fresh workspace, with nothing reopened from an earlier session.
        self.page.goto(f"{self.lab['base']}/lab?reset&token={self.lab['token']}")
        self.page.wait_for_function(APP_RESTORED, timeout=90_000)
        self.problems.clear()

    def open(self, name: str) -> None:
        """Open notebooks/<name> and wait for its kernel to be idle."""
        self.page.evaluate(OPEN_NOTEBOOK, f"notebooks/{name}")
        self.page.wait_for_function(KERNEL_IDLE, timeout=90_000)

    def close_all(self) -> None:
        """Close every notebook without the "save changes?" dialog, then end every kernel."""
        self.page.evaluate(CLOSE_ALL)
        _delete_sessions(self.lab)
        self.problems.clear()


@pytest.fixture(scope="session")
def lab_page(browser: Any, lab: dict[str, str]) -> Iterator[LabPage]:
    lab_page = LabPage(browser, lab)
    try:
        yield lab_page
    finally:
        lab_page.page.close()


@pytest.fixture
def notebook_page(lab_page: LabPage, request: pytest.FixtureRequest) -> Iterator[LabPage]:
    """The shared page, clean for this test, and cleaned (or reloaded after a failure) after."""
    failed_before = request.session.testsfailed
    try:
        yield lab_page
    finally:
        # A failure is counted as soon as the test's call is reported, before this teardown.
        failed = request.session.testsfailed > failed_before
        lab_page.close_all()
        if failed or lab_page.page.locator(".jp-Dialog").count():
            lab_page.reload()


def _delete_sessions(lab: dict[str, str]) -> None:
    """Shut down every kernel the notebook started, through the server's REST API."""
    headers = {"Authorization": f"token {lab['token']}"}
    request = urllib.request.Request(f"{lab['base']}/api/sessions", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        delete = urllib.request.Request(
            f"{lab['base']}/api/sessions/{session['id']}", headers=headers, method="DELETE"
        )
        urllib.request.urlopen(delete, timeout=30).close()


APP_RESTORED = """() => !!window.jupyterapp && window.jupyterapp.shell.isAttached
  && window.jupyterapp.commands.hasCommand('docmanager:open')"""

OPEN_NOTEBOOK = """async (path) => {
  const app = window.jupyterapp;
  await app.restored;
  const widget = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  app.shell.activateById(widget.id);
}"""

CLOSE_ALL = """() => {
  for (const widget of Array.from(window.jupyterapp.shell.widgets('main'))) {
    if (widget.context) widget.context.model.dirty = false;
    widget.dispose();
  }
}"""

KERNEL_IDLE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  return !!(panel && panel.context && panel.context.isReady && panel.sessionContext.isReady
    && session && session.kernel && session.kernel.status === 'idle');
}"""

# Done when the kernel is idle and every code cell has run, or as soon as a cell that is not
# tagged `raises-exception` shows an error (Run All stops there). A session that is briefly
# missing (the kernel reconnecting) counts as "not done yet".
RUN_FINISHED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  if (!session || !session.kernel) return false;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const failed = cells.some(c => !(c.model.getMetadata('tags') || []).includes('raises-exception')
    && c.model.outputs.toJSON().some(o => o.output_type === 'error'));
  const idle = session.kernel.status === 'idle';
  return failed || (idle && cells.every(c => c.model.executionCount !== null));
}"""

CELL_REPORT = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'code')
  .map((c, i) => ({
    index: i,
    tags: c.model.getMetadata('tags') || [],
    executed: c.model.executionCount !== null,
    errors: c.model.outputs.toJSON().filter(o => o.output_type === 'error')
      .map(o => o.ename + ': ' + o.evalue),
    source: c.model.sharedModel.getSource().slice(0, 80),
  }))"""

WATCH_STATUS = """(status) => {
  window.__labStatus = [status.textContent];
  if (window.__labObserver) window.__labObserver.disconnect();
  window.__labObserver = new MutationObserver(() => window.__labStatus.push(status.textContent));
  window.__labObserver.observe(status, {subtree: true, childList: true, characterData: true});
}"""

RUN_REPORTED = """() => {
  const seen = window.__labStatus || [];
  const start = seen.findIndex(t => t.includes('Running'));
  return start >= 0 && seen.slice(start).some(t => t.includes('Done') || t.includes('Error'));
}"""


NEW_IMAGE = """([explorer, previous]) => {
  const images = explorer.querySelectorAll('.lab-explorer-output img');
  return images.length > 0 && images[images.length - 1].src !== previous;
}"""


def _image(explorer: Any) -> str | None:
    image = explorer.locator(".lab-explorer-output img")
    return image.last.get_attribute("src") if image.count() else None


def _press_run(page: Any, explorer: Any) -> tuple[list[str], str | None]:
    """Press Run; wait for the status to go Running… → Done, and for the plot to be redrawn.

    Returns the status texts seen and the new plot (None if no new plot appeared).
    """
    previous = _image(explorer)
    explorer.locator(".lab-explorer-status").evaluate(WATCH_STATUS)
    explorer.locator(".lab-explorer-run").click()
    page.wait_for_function(RUN_REPORTED, timeout=EXPLORER_TIMEOUT_MS)
    history = page.evaluate("() => window.__labStatus")
    if any("Error" in text for text in history):
        return history, None
    try:
        page.wait_for_function(
            NEW_IMAGE, arg=[explorer.element_handle(), previous or ""], timeout=30_000
        )
    except Exception:  # Playwright's TimeoutError: reported by the caller's assertion
        return history, None
    return history, _image(explorer)


def _change_a_control(explorer: Any) -> str:
    """Move the first slider one step (or pick another option in the first dropdown)."""
    sliders = explorer.locator(".widget-slider")
    if sliders.count():
        slider = sliders.first
        readout = slider.locator(".widget-readout")
        before = readout.inner_text()
        handle = slider.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowRight")
        if readout.inner_text() == before:  # already at its maximum
            handle.press("ArrowLeft")
        after = readout.inner_text()
        assert after != before, "the slider did not move"
        return f"slider {before} -> {after}"
    select = explorer.locator(".widget-dropdown select").first
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("s => s.options[s.selectedIndex].text")
    other = next(option for option in options if option != current)
    select.select_option(label=other)
    return f"dropdown {current} -> {other}"


def _watch_errors(page: Any) -> list[str]:
    """The page's console errors and uncaught exceptions, collected as they happen."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def _run_all(lab_page: LabPage, name: str) -> None:
    """Open notebooks/<name> in JupyterLab, Run All, and fail if a cell erred or did not run."""
    page, problems = lab_page.page, lab_page.problems
    lab_page.open(name)
    # Start Run All without awaiting its promise: the wait below has our own bound and,
    # if it expires, the report says which cells had not run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    try:
        page.wait_for_function(RUN_FINISHED, timeout=NOTEBOOK_TIMEOUT_MS, polling=250)
    except Exception:  # Playwright's TimeoutError
        pending = [c for c in page.evaluate(CELL_REPORT) if not c["executed"]]
        pytest.fail(
            f"{name}: Run All did not finish in {NOTEBOOK_TIMEOUT_MS / 1000:g} s; "
            f"first cell not run: {pending[0]['source'] if pending else '?'!r}"
        )
    for cell in page.evaluate(CELL_REPORT):
        expected_error = "raises-exception" in cell["tags"]
        if cell["errors"] and not expected_error:
            problems.append(f"code cell {cell['index']} ({cell['source']!r}): {cell['errors']}")
        if not cell["executed"]:
            problems.append(f"code cell {cell['index']} ({cell['source']!r}) did not run")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_and_its_explorers_respond(notebook_page: LabPage, notebook: Path) -> None:
    page, problems = notebook_page.page, notebook_page.problems
    _run_all(notebook_page, notebook.name)

    explorers = page.locator(".lab-explorer")
    for number in range(explorers.count()):
        explorer = explorers.nth(number)
        explorer.scroll_into_view_if_needed()
        history, first = _press_run(page, explorer)
        assert first, f"explorer {number + 1}: no plot after Run; status went {history}"
        change = _change_a_control(explorer)
        history, second = _press_run(page, explorer)
        name = f"{notebook.stem}" + (f"-{number + 1}" if explorers.count() > 1 else "")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        explorer.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        assert not any("Error" in text for text in history), f"explorer {number + 1}: {history}"
        assert any("Running" in text for text in history), (
            f"explorer {number + 1}: no progress shown while it ran: {history}"
        )
        assert second and second != first, (
            f"explorer {number + 1}: no new plot after {change}; status went {history}"
        )
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


# A learner's notebook with one level of the interleaving lab: its own notebook, so the test
# does not depend on where a lesson puts its levels. The cell prints the shortest schedule the
# lab's search finds; the test then plays it by clicking, as a learner would.
LEVEL_CELL = """\
from helpers.lab.widget import Scheduler
from helpers.lessons.shared_state_and_queues.levels import LOST_UPDATE

scheduler = Scheduler(LOST_UPDATE)
print("shortest:", " ".join(scheduler.counterexample()))
scheduler
"""

STATUS_CHANGED = """([box, before]) => {
  const status = box.querySelector('.lab-status');
  return !!status && status.textContent !== before;
}"""


def _status(scheduler: Any) -> str:
    return scheduler.locator(".lab-status").first.inner_text()


def _click(page: Any, scheduler: Any, css: str) -> str:
    """Click a scheduler button and wait for the kernel to redraw the status line."""
    before = _status(scheduler)
    button = scheduler.locator(f"button.{css}")
    assert button.count() == 1, f"no single {css} button in the scheduler"
    assert button.is_enabled(), f"{css} is disabled: {button.get_attribute('title')}"
    button.click()
    page.wait_for_function(STATUS_CHANGED, arg=[scheduler.element_handle(), before], timeout=30_000)
    return _status(scheduler)


def test_a_learner_reaches_a_lab_levels_goal_by_clicking_the_thread_buttons(
    lab: dict[str, str], notebook_page: LabPage
) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LEVEL_CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, Path(lab["root"]) / "notebooks" / "lab_level.ipynb")
    page, problems = notebook_page.page, notebook_page.problems
    _run_all(notebook_page, "lab_level.ipynb")
    printed = page.locator(".jp-OutputArea-output", has_text="shortest:").first.inner_text()
    schedule = printed.split("shortest:", 1)[1].split()
    assert schedule, f"the search printed no schedule: {printed!r}"
    scheduler = page.locator(".lab-scheduler").first
    scheduler.wait_for(timeout=30_000)
    assert "Goal" in scheduler.locator(".lab-goal").first.inner_text()

    statuses = [_click(page, scheduler, f"lab-step-{thread}") for thread in schedule]
    assert all("Goal reached" not in s for s in statuses[:-1]), statuses
    assert statuses[-1].startswith(f"Goal reached in {len(schedule)} steps"), statuses
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    scheduler.screenshot(path=str(SCREENSHOTS / "lab_level.png"))

    undone = _click(page, scheduler, "lab-undo")
    assert undone.startswith(f"Step {len(schedule) - 1}."), undone
    reset = _click(page, scheduler, "lab-reset")
    assert reset.startswith("Step 0."), reset
    assert not problems, "\n".join(problems)
