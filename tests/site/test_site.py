"""The course website (`make site` -> build/site) in headless Chromium, as a visitor sees it.

Every page: loads with no console error and nothing fetched from another host, images with
alt text, no broken internal link or anchor, no serious or critical axe-core violation, and a
1280x800 screenshot in build/site-screenshots/. Then a page with a timeline figure, a folded
solution that opens when clicked, and the search.

Skipped locally when Chromium, Playwright or axe is missing; with ``CI=true`` that is a failure
(as in tests/browser). The site must have been built: `make site-test` builds it first.
"""

from __future__ import annotations

import functools
import http.server
import queue
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import course  # tools/course.py and tests/support/: tests/conftest.py puts it on the path
import harness
import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
SCREENSHOTS = ROOT / "build" / "site-screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# No CSSOM preload: axe would fetch the theme's `@import "../basic.css"` relative to the page,
# not to the stylesheet, and its 404 would look like a broken page.
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"], "preload": False}
# Colour contrast is most of axe's time, and most of that goes to code: thousands of highlighted
# tokens in the same few colours on every page. So every page is checked in full except the
# contrast of its code, and the code's contrast is checked on the page that has the most of it.
ALL_BUT_CONTRAST = {**AXE_OPTIONS, "rules": {"color-contrast": {"enabled": False}}}
CONTRAST = {**AXE_OPTIONS, "runOnly": {"type": "rule", "values": ["color-contrast"]}}
CODE = [["div.highlight"]]
PAGES = sorted(p.name for p in SITE.glob("*.html")) if SITE.exists() else []
LESSON_PAGES = [f"{lesson.stem}.html" for lesson in course.LESSONS if lesson.lesson_path.exists()]
# Alt text that says nothing: what a renderer writes when it knows nothing about the image.
EMPTY_ALT = re.compile(r"^(|image|figure|png|output|_images/.*|[0-9a-f]{20,}\.png)$", re.I)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # one line per file: too much
        pass


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """build/site served on 127.0.0.1, as GitHub Pages serves it (search needs http)."""
    if not (SITE / "index.html").exists():
        pytest.fail("build/site has no index.html: run `make site` first (make site-test does)")
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="session")
def playwright_api() -> Any:
    return harness.playwright("site test")


@pytest.fixture(scope="session")
def browser(playwright_api: Any, visits: Any) -> Iterator[Any]:
    """For the tests after the page visits (which use their own, one per thread)."""
    with harness.chromium(playwright_api) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def axe() -> Any:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        harness.unavailable(
            "site test", "axe-playwright-python is not installed (requirements-site.txt)"
        )
    return Axe()


class Visit:
    """One page open in Chromium, with everything that went wrong while it loaded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport=VIEWPORT)
        self.problems: list[str] = []
        self.host = urlsplit(url).netloc
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.route("**/*", self._only_this_host)
        self.page.goto(url, wait_until="load")

    def _only_this_host(self, route: Any) -> None:
        """Nothing may come from another host: the site works offline and leaks no visits."""
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            self.problems.append(f"fetch from another host: {route.request.url}")
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="session")
def visits(playwright_api: Any, base_url: str, axe: Any) -> dict[str, dict[str, Any]]:
    """Every page visited once: what each one checks is gathered here, asserted per page.

    Two browsers, each in its own thread (Playwright's sync API wants one per thread): axe
    keeps one core busy per page, and this is most of the test's time.
    """
    if not PAGES:
        pytest.fail("build/site has no pages: run `make site` first")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    most_code = max(
        PAGES,
        key=lambda name: (SITE / name).read_text(encoding="utf-8").count('<span style="color'),
    )  # fmt: skip  (code listings printed by cells: their own colours)

    # One list both threads take from, largest page first: split in halves by name, one thread
    # got every lesson page and the other every small instructors page, and waited 76 s of 142.
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for name in sorted(PAGES, key=lambda name: -(SITE / name).stat().st_size):
        todo.put(name)

    def visit_until_done() -> dict[str, dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        with harness.chromium(playwright_api) as chromium:
            while True:
                try:
                    name = todo.get_nowait()
                except queue.Empty:
                    return seen
                seen[name] = _look_at(chromium, axe, base_url, name, name == most_code)

    with ThreadPoolExecutor(2) as pool:
        shares = [pool.submit(visit_until_done) for _ in range(2)]
        return {name: seen for share in shares for name, seen in share.result().items()}


def _look_at(chromium: Any, axe: Any, base_url: str, name: str, code: bool) -> dict[str, Any]:
    visit = Visit(chromium, base_url + name)
    page = visit.page
    try:
        return {
            "problems": visit.problems,
            "images": page.eval_on_selector_all(
                "img",
                "els => els.map(e => ({src: e.getAttribute('src'), alt: e.getAttribute('alt'),"
                " loaded: e.complete && e.naturalWidth > 0}))",
            ),
            "links": page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"),
            "ids": page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"),
            "h1": page.eval_on_selector_all("article h1", "els => els.map(e => e.innerText)"),
            "text": page.inner_text("main") if page.locator("main").count() else "",
            "violations": _violations(axe, page, code_contrast=code),
        }
    finally:
        page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))
        visit.close()


def _violations(axe: Any, page: Any, *, code_contrast: bool) -> list[str]:
    """axe-core's serious and critical violations on the page (see CONTRAST above)."""
    runs = [
        axe.run(page, options=ALL_BUT_CONTRAST),
        axe.run(page, context={"exclude": CODE}, options=CONTRAST),
    ]
    if code_contrast:
        runs.append(axe.run(page, context={"include": CODE}, options=CONTRAST))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s), "
        f"first {v['nodes'][0]['target']}"
        for run in runs
        for v in run.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_and_is_accessible(visits: dict[str, dict[str, Any]], name: str) -> None:
    seen = visits[name]
    assert not seen["problems"], f"{name}:\n" + "\n".join(seen["problems"])
    for image in seen["images"]:
        assert image["loaded"], f"{name}: image {image['src']} did not load"
        alt = (image["alt"] or "").strip()
        assert not EMPTY_ALT.match(alt), f"{name}: image {image['src']} has no real alt: {alt!r}"
    assert not seen["violations"], f"{name}: axe-core found\n" + "\n".join(seen["violations"])


def test_no_internal_link_or_anchor_is_broken(
    visits: dict[str, dict[str, Any]], base_url: str
) -> None:
    broken = []
    for name, seen in visits.items():
        for href in seen["links"]:
            if not href.startswith(base_url):
                continue  # another site (docs.python.org, GitHub, Binder): not ours to check
            parts = urlsplit(href)
            target = unquote(parts.path[len(urlsplit(base_url).path) :]) or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (SITE / target).is_file():
                broken.append(f"{name}: {href} (no file {target})")
            elif parts.fragment and target in visits:
                if unquote(parts.fragment) not in visits[target]["ids"]:
                    broken.append(f"{name}: {href} (no #{parts.fragment} in {target})")
            elif parts.fragment and target.endswith(".html"):
                html = (SITE / target).read_text(encoding="utf-8")
                if f'id="{unquote(parts.fragment)}"' not in html:
                    broken.append(f"{name}: {href} (no #{parts.fragment} in {target})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_pages_follow_the_manifest(visits: dict[str, dict[str, Any]], base_url: str) -> None:
    """Every written lesson has its page, titled as course.toml says, with its minutes; the
    landing page maps the course in manifest order and says how to run it."""
    for lesson in course.LESSONS:
        name = f"{lesson.stem}.html"
        if not lesson.lesson_path.exists():
            continue
        assert name in visits, f"no page for {lesson.stem}"
        title = lesson.heading.replace("`", "")
        assert [h.strip("#¶ \n") for h in visits[name]["h1"]] == [title], visits[name]["h1"]
        assert f"about {lesson.minutes} minutes" in visits[name]["text"]
    landing = visits["index.html"]["text"]
    positions = [landing.find(lesson.heading.replace("`", "")) for lesson in course.LESSONS]
    assert -1 not in positions and positions == sorted(positions), "course map out of order"
    for needed in ("make lab", "make test", "Binder"):
        assert needed in landing, f"the landing page does not mention {needed!r}"


def test_every_lesson_has_an_instructors_page_that_links_to_it(
    visits: dict[str, dict[str, Any]], base_url: str
) -> None:
    for lesson in course.LESSONS:
        if not lesson.lesson_path.exists():
            continue
        name = f"{lesson.stem}-instructors.html"
        assert name in visits, f"no instructors page for {lesson.stem}"
        seen = visits[name]
        assert any(h.strip("#¶ \n").endswith("instructor notes") for h in seen["h1"]), seen["h1"]
        for part in ("Timing", "Live demo", "Misconceptions", "When the room"):
            assert part in seen["text"], f"{name}: no {part!r} section"
        assert urljoin(base_url, f"{lesson.stem}.html") in seen["links"], f"{name}: no lesson link"


def test_lesson_pages_have_launch_download_and_copy_buttons(
    visits: dict[str, dict[str, Any]], base_url: str
) -> None:
    repository = course.repository()
    for name in LESSON_PAGES:
        stem = Path(name).stem
        links = visits[name]["links"]
        binder = f"/v2/gh/{repository}/HEAD?urlpath=lab/tree/notebooks/{stem}.ipynb"
        assert any(binder in link for link in links), f"{name}: no Binder launch link"
        assert base_url + f"_sources/{stem}.ipynb" in links, f"{name}: no .ipynb download"
        notebook = (SITE / "_sources" / f"{stem}.ipynb").read_text(encoding="utf-8")
        assert '"outputs": []' in notebook and "exercise-start" not in notebook, (
            f"{name}: the download is not the learner's notebook"
        )
    html = (SITE / LESSON_PAGES[0]).read_text(encoding="utf-8")
    assert "copybutton" in html, "sphinx-copybutton is not on the lesson pages"


def _first_page_with(visits: dict[str, dict[str, Any]], words: tuple[str, ...]) -> str:
    for name in LESSON_PAGES:
        if any(all(w in (i["alt"] or "") for w in words) for i in visits[name]["images"]):
            return name
    pytest.fail(f"no lesson page has a figure whose alt text mentions {words}")


def test_a_timeline_figure_is_shown(browser: Any, base_url: str, visits: Any) -> None:
    name = _first_page_with(visits, ("time", "worker"))
    visit = Visit(browser, base_url + name)
    try:
        figure = visit.page.locator("img[alt*='worker']").first
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert box and box["width"] > 300, f"{name}: the timeline is not drawn at a useful size"
        visit.page.screenshot(path=str(SCREENSHOTS / "timeline-figure.png"))
        assert not visit.problems, visit.problems
    finally:
        visit.close()


def test_a_folded_solution_opens_when_clicked(browser: Any, base_url: str) -> None:
    visit = Visit(browser, base_url + LESSON_PAGES[0])
    try:
        solution = visit.page.locator("div.solution.dropdown").first
        body = solution.locator("p:not(.admonition-title)").first
        solution.scroll_into_view_if_needed()
        assert not body.is_visible(), "the solution is not folded"
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5_000)
        visit.page.screenshot(path=str(SCREENSHOTS / "solution-open.png"))
        assert not visit.problems, visit.problems
    finally:
        visit.close()


def test_search_finds_a_lesson(browser: Any, base_url: str) -> None:
    visit = Visit(browser, urljoin(base_url, "search.html?q=semaphore"))
    try:
        results = visit.page.locator("#search-results a")
        results.first.wait_for(timeout=15_000)
        assert results.count() >= 1
        assert not visit.problems, visit.problems
    finally:
        visit.close()
