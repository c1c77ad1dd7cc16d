"""tools/build_slides.py without a kernel or a browser: the offline check, slide breaks for a
lesson that has none, links between decks, and a deck made from a tiny executed notebook."""

from __future__ import annotations

import base64
import io

import pytest

# The website's tools need nbclient (requirements-site.txt); the free-threaded leg installs
# only the kernel side (requirements-core.txt), so there these tests are skipped.
pytest.importorskip("nbclient", reason="the website stack (requirements-site.txt) is not installed")

import build_slides
import course
import matplotlib.pyplot as plt
import nbformat

LESSON = course.LESSONS[0]


def test_the_offline_check_finds_what_a_page_would_fetch() -> None:
    page = """<html><head>
    <script src="https://cdn.example/require.js"></script>
    <script src="reveal.js/dist/reveal.js"></script>
    <link rel="stylesheet" href="//fonts.example/font.css">
    <link rel="canonical" href="https://example.org/page">
    <style>/* see https://example.org in a comment */ @import "https://x.example/a.css";
    .a { background: url(data:image/png;base64,AAAA); } .b { background: url('http://y/z.png') }
    </style></head><body>
    <a href="https://docs.python.org/3/">a link a reader may follow</a>
    <img src="data:image/png;base64,AAAA" alt="inline">
    <div style="background: url(https://z.example/bg.png)"></div>
    </body></html>"""
    assert sorted(build_slides.network_loads(page)) == sorted(
        [
            "https://cdn.example/require.js",
            "//fonts.example/font.css",
            "https://x.example/a.css",
            "http://y/z.png",
            "https://z.example/bg.png",
        ]
    )


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def test_a_lesson_without_slide_metadata_gets_the_proposed_breaks() -> None:
    nb = _notebook(
        nbformat.v4.new_markdown_cell("# 99 · Tiny"),
        nbformat.v4.new_markdown_cell("## A concept"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("leftovers.assert_nothing_left(baseline)"),
    )
    marked = build_slides.with_slide_breaks(nb)
    assert [c.metadata.get("slideshow", {}).get("slide_type") for c in marked.cells] == [
        None,
        "slide",
        None,
        "skip",
    ]
    assert "slideshow" not in nb.cells[1].metadata  # the cached notebook is left as it was
    nb.cells[2].metadata["slideshow"] = {"slide_type": "subslide"}  # the lesson's own choice
    assert build_slides.with_slide_breaks(nb).cells[1].metadata == {}


def test_a_deck_from_a_tiny_executed_notebook() -> None:
    fig, ax = plt.subplots()
    ax.set_title("a figure")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    picture = nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Fig>"},
        metadata={"image/png": {"alt": "Figure: a figure."}},
    )
    toggle = nbformat.v4.new_code_cell("projector_toggle()", metadata={"tags": ["remove-cell"]})
    nb = _notebook(
        nbformat.v4.new_markdown_cell("# 00 · Start here"),
        toggle,
        nbformat.v4.new_markdown_cell("## First\n\nSee [the next one](01_gil.ipynb#Setup)."),
        nbformat.v4.new_code_cell("fig", outputs=[picture]),
        nbformat.v4.new_markdown_cell("## `RLock` second"),
    )
    page = build_slides.deck(nb, LESSON, existing={"01_gil"})
    assert page.count("<section") >= 3  # the title and two sections
    assert 'href="01_gil.html"' in page and "01_gil.ipynb" not in page
    assert 'alt="Figure: a figure."' in page
    assert "projector_toggle" not in page  # remove-cell: not on a slide
    assert build_slides.network_loads(page) == []
    assert "<title>00 · Start here slides</title>" in page


def test_the_index_lists_every_lesson_of_the_manifest() -> None:
    existing = {lesson.stem for lesson in course.LESSONS[:2]}
    page = build_slides.index_page(course.LESSONS, existing)
    assert page.count("<li>") == len(course.LESSONS)
    assert f'href="{course.LESSONS[0].stem}.html"' in page
    assert "(not written yet)" in page
    assert build_slides.network_loads(page) == []
