"""Static decks (`make slides`, tools/build_slides.py) in headless Chromium: a deck opens from
disk with nothing fetched from the network and moves with the keyboard; a projector-mode slide
with a timeline fits 1280×720, its screenshot is kept, and its figure's text is larger.

Decks are built into a scratch folder from lesson 00. The normal deck reuses the website's
executed notebook (any cached execution will do: the test is about the deck, not the numbers);
the projector deck executes lesson 00 once with ``LAB_PROJECTOR=1``, cached in
build/slides-cache for later runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import build_slides
import pytest
from matplotlib.figure import Figure
from sample_spans import two_rows_of_spans  # tests/support/

from helpers.draw import plots, style
from helpers.draw.timeline import draw_spans, finish_timeline

SCREENSHOTS = build_slides.ROOT / "build" / "slides-screenshots"
SLIDE = {"width": 1280, "height": 720}
LESSON = "00"
# The x label every timeline of lesson 00 carries, in its figure's alt text.
TIMELINE = "time since the tasks were submitted"

READY = "() => window.Reveal && Reveal.isReady()"
# The slide (h, v) whose figure's alt text mentions `text`, and that image's natural size.
FIND_FIGURE = """(text) => {
  for (const slide of Reveal.getSlides()) {
    const image = [...slide.querySelectorAll('img')].find(i => i.alt.includes(text));
    if (image) {
      const at = Reveal.getIndices(slide);
      return {h: at.h, v: at.v || 0, width: image.naturalWidth, height: image.naturalHeight};
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def decks(npm: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    normal, projector = tmp_path_factory.mktemp("deck"), tmp_path_factory.mktemp("projector")
    build_slides.build([LESSON], any_cache=True, output=normal)
    build_slides.build([LESSON], projector=True, output=projector)
    stem = build_slides.select([LESSON])[0].stem
    return {"normal": normal / f"{stem}.html", "projector": projector / f"{stem}.html"}


@dataclass
class Tab:
    """A page, with what it reported: console errors and every URL it fetched."""

    page: Any
    problems: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def open(self, deck: Path) -> None:
        self.page.goto(deck.as_uri())
        self.page.wait_for_function(READY, timeout=30_000)


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    tab = Tab(browser.new_page(viewport=SLIDE))
    tab.page.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
    tab.page.on("pageerror", lambda error: tab.problems.append(str(error)))
    tab.page.on("request", lambda request: tab.fetched.append(request.url))
    try:
        yield tab
    finally:
        tab.page.close()


def test_a_deck_opens_offline_and_moves_with_the_keyboard(tab: Tab, decks: dict) -> None:
    deck, page = decks["normal"], tab.page
    assert build_slides.network_loads(deck.read_text(encoding="utf-8")) == []
    tab.open(deck)
    assert page.evaluate("Reveal.getTotalSlides()") >= 5
    seen = [page.evaluate("Reveal.getIndices()")]
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(h) => Reveal.getIndices().h === h", arg=seen[-1]["h"] + 1, timeout=5_000
        )
        seen.append(page.evaluate("Reveal.getIndices()"))
    assert [at["h"] for at in seen] == [0, 1, 2]
    assert page.evaluate("Reveal.getCurrentSlide().innerText").strip()  # a slide with content
    assert not tab.problems, tab.problems
    elsewhere = [url for url in tab.fetched if not url.startswith(("file:", "data:"))]
    assert not elsewhere, f"the deck fetched {elsewhere}"


def test_a_projector_slide_with_a_timeline_fits_the_screen(tab: Tab, decks: dict) -> None:
    page = tab.page
    tab.open(decks["normal"])
    normal = page.evaluate(FIND_FIGURE, TIMELINE)
    tab.open(decks["projector"])
    large = page.evaluate(FIND_FIGURE, TIMELINE)
    assert normal and large, f"no slide with a timeline ({TIMELINE!r}) in lesson {LESSON}"
    page.evaluate("([h, v]) => Reveal.slide(h, v)", [large["h"], large["v"]])
    # A slide taller than the screen scrolls (the template's CSS): bring the figure into view.
    page.evaluate(
        """(text) => { const slide = Reveal.getCurrentSlide();
        const image = [...slide.querySelectorAll('img')].find(i => i.alt.includes(text));
        slide.scrollTop = image.offsetTop - 8; }""",
        TIMELINE,
    )
    page.wait_for_timeout(300)  # the slide's layout, once reveal.js has moved to it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{decks['projector'].stem}-projector.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    # Drawn for the slide: no wider than 1280 px (legends outside the axes may add a little to
    # the tight bounding box) and at most 720 px tall, and larger than the laptop figure.
    assert large["width"] <= 1280 * 1.05 and large["height"] <= 720 * 1.05, large
    assert large["height"] > 1.3 * normal["height"], (normal, large)
    box = page.evaluate(
        """(text) => { const image = [...Reveal.getCurrentSlide().querySelectorAll('img')]
        .find(i => i.alt.includes(text)); const r = image.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }""",
        TIMELINE,
    )
    # The whole figure is on the screen at once: across, and (scrolled to it) top to bottom.
    assert box["left"] >= 0 and box["right"] <= SLIDE["width"], box
    assert box["top"] >= 0 and box["bottom"] <= SLIDE["height"], box
    assert not tab.problems, tab.problems


def _timeline(projector: bool) -> Figure:
    """A timeline drawn the way lesson 00's are (rows of bars, legend, labelled axes)."""
    style.set_projector(projector)
    spans = two_rows_of_spans("worker")
    fig, (ax,) = plots.new_figure(height=2.0)
    draw_spans(ax, spans, 0.0)
    finish_timeline(ax, right_ms=130, xlabel=f"{TIMELINE} (ms)", ylabel="worker", title="a run")
    fig.canvas.draw()
    return fig


def test_the_timelines_text_is_larger_in_projector_mode() -> None:
    before = style.projector()
    try:
        sizes = {}
        for mode in (False, True):
            fig = _timeline(mode)
            ax = fig.axes[0]
            texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels()]
            texts += list(ax.get_legend().get_texts())
            sizes[mode] = {re.sub(r"\s+", " ", t.get_text()): t.get_fontsize() for t in texts}
        shared = set(sizes[False]) & set(sizes[True])
        assert {"a run", "worker", f"{TIMELINE} (ms)"} <= shared
        for text in shared:
            assert sizes[True][text] >= 1.5 * sizes[False][text], (text, sizes)
    finally:
        style.set_projector(before)
