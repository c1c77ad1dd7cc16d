"""`make slides`: one reveal.js deck per lesson, with its executed outputs, in build/slides.

1. reveal.js comes from the npm registry: ``npm ci`` installs the version that
   slides/package-lock.json pins into build/slides-npm (once, again when the lock changes), and
   the few files a deck loads are copied next to the decks, in build/slides/reveal.js.
2. Executed notebooks: the website's (build/site-cache, tools/build_site.py), used as they are
   when their key says they are current; lessons not there yet are executed by the website's
   own code into the website's cache, so the two builds share one execution. With
   ``--projector`` every lesson runs with ``LAB_PROJECTOR=1`` instead (figures for a projector),
   cached apart in build/slides-cache under the same key plus the mode.
3. Each notebook becomes a deck (nbconvert's slides exporter, slides/template/course-slides):
   the lesson's ``slideshow`` metadata decides the slides; a lesson that has none yet gets the
   breaks tools/slide_breaks.py proposes, in memory. Cells tagged ``remove-cell`` (the projector
   toggle) are dropped, links to other lessons point to their decks, and every deck is checked
   to load nothing from the network.

    python tools/build_slides.py              # what `make slides` runs: every lesson
    python tools/build_slides.py 00 04        # two decks
    python tools/build_slides.py --projector  # figures drawn for a projector (executes all)
    python tools/build_slides.py --any-cache  # a quick preview from whatever was executed last
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import html.parser
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import jupytext
import nbformat
from nbclient import NotebookClient
from nbconvert import SlidesExporter
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_site  # the website's executor and cache: shared, never duplicated
import course
import slide_breaks

ROOT = course.ROOT
BUILD = ROOT / "build"
OUTPUT = BUILD / "slides"
NPM = BUILD / "slides-npm"
PROJECTOR_CACHE = BUILD / "slides-cache"
SOURCES = ROOT / "slides"  # package.json, package-lock.json, the nbconvert template
REVEAL = "reveal.js"  # folder next to the decks, and their --reveal-prefix
# What a deck loads from reveal.js's npm package (its dist/ layout since 6.0), and its licence.
REVEAL_FILES = (
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/theme/white.css",
    "dist/plugin/notes.js",
    "LICENSE",
)
PROJECTOR_ENV = "LAB_PROJECTOR"
LESSON_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(?:#[^"]*)?"')


@dataclass
class Report:
    """What one build did, for `make slides`' last line and tools/bench_slides.py."""

    decks: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # --any-cache: used although out of date
    missing: list[str] = field(default_factory=list)
    projector: bool = False
    vendor_s: float = 0.0
    execute_s: float = 0.0
    convert_s: float = 0.0

    def summary(self) -> str:
        mode = "projector" if self.projector else "website"
        parts = [
            f"{len(self.executed)} lessons executed ({self.execute_s:.0f} s)",
            f"{len(self.cached) + len(self.stale)} from the {mode} cache",
        ]
        if self.stale:
            parts.append(f"{len(self.stale)} of them out of date (--any-cache)")
        missing = f"; not written yet: {', '.join(self.missing)}" if self.missing else ""
        return (
            f"slides: {len(self.decks)} decks, {', '.join(parts)}, converted in "
            f"{self.convert_s:.0f} s{missing} -> {OUTPUT.relative_to(ROOT)}/index.html"
        )


# -- 1. reveal.js, from npm ----------------------------------------------------------------


def vendor_reveal(output: Path = OUTPUT) -> Path:
    """Install the locked reveal.js with npm (skipped when already installed from the same
    lock) and copy what a deck loads into ``output/reveal.js``. Returns that folder."""
    lock = SOURCES / "package-lock.json"
    NPM.mkdir(parents=True, exist_ok=True)
    installed = NPM / "node_modules" / ".package-lock.json"
    if not installed.exists() or (NPM / "package-lock.json").read_bytes() != lock.read_bytes():
        shutil.copyfile(SOURCES / "package.json", NPM / "package.json")
        shutil.copyfile(lock, NPM / "package-lock.json")
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("make slides needs npm (Node.js) to install reveal.js")
        # --ignore-scripts: nothing from the registry runs here; reveal.js needs no build step.
        command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
        subprocess.run(command, cwd=NPM, check=True)
    package = NPM / "node_modules" / "reveal.js"
    target = output / REVEAL
    for name in REVEAL_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package / name, target / name)
    return target


# -- 2. executed notebooks ------------------------------------------------------------------


def projector_key(lesson: course.Lesson) -> str:
    """The website's key for the lesson, plus the mode: the figures differ, nothing else."""
    return hashlib.sha256(f"{build_site.cache_key(lesson)}:projector".encode()).hexdigest()


async def _execute_projector(lesson: course.Lesson, slots: asyncio.Semaphore) -> None:
    """As build_site executes a lesson, with projector mode on, into build/slides-cache."""
    nb = jupytext.read(lesson.lesson_path)
    # The website's first cell, so figures carry alt text in the decks too; removed after.
    nb.cells.insert(0, nbformat.v4.new_code_cell(build_site.SETUP_CELL))
    client = NotebookClient(
        nb,
        timeout=build_site.CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
        store_widget_state=False,  # a deck cannot run widgets; explorers show their static line
        record_timing=False,
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env[PROJECTOR_ENV] = "1"
    async with slots:
        started = time.perf_counter()
        with build_site.KERNEL_LOG.open("a") as log:
            await client.async_execute(env=env, stdout=log, stderr=log)
        print(f"  executed {lesson.stem} (projector) in {time.perf_counter() - started:.0f} s")
    del nb.cells[0]
    nb.metadata["lab_site_cache_key"] = projector_key(lesson)
    PROJECTOR_CACHE.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, PROJECTOR_CACHE / f"{lesson.stem}.ipynb")


async def _execute_all_projector(lessons: list[course.Lesson], jobs: int) -> None:
    slots = asyncio.Semaphore(jobs)
    await build_site.all_or_none([_execute_projector(lesson, slots) for lesson in lessons])


def _run(main: Callable[[], None]) -> None:
    """``main()`` here, or in a thread of its own when this thread already runs an event loop
    (a notebook, or Playwright's sync API in the tests), where ``asyncio.run`` would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        main()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(main).result()


def executed(
    lessons: Sequence[course.Lesson], report: Report, *, jobs: int, any_cache: bool
) -> dict[str, nbformat.NotebookNode]:
    """Every lesson's executed notebook, running only those the cache lacks."""
    cache = PROJECTOR_CACHE if report.projector else build_site.CACHE
    todo = []
    for lesson in lessons:
        path = cache / f"{lesson.stem}.ipynb"
        key = projector_key(lesson) if report.projector else build_site.cache_key(lesson)
        if build_site.is_current(path, key):
            report.cached.append(lesson.stem)
        elif any_cache and path.exists():
            report.stale.append(lesson.stem)
        else:
            todo.append(lesson)
    started = time.perf_counter()
    if todo:
        BUILD.mkdir(exist_ok=True)
        run = _execute_all_projector if report.projector else build_site._execute_all
        _run(lambda: asyncio.run(run(todo, jobs)))
    report.executed = [lesson.stem for lesson in todo]
    report.execute_s = time.perf_counter() - started
    return {
        lesson.stem: nbformat.read(cache / f"{lesson.stem}.ipynb", as_version=4)
        for lesson in lessons
    }


# -- 3. decks --------------------------------------------------------------------------------


def with_slide_breaks(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with slide metadata: its own, or, if it has none, the proposed breaks."""
    nb = copy.deepcopy(nb)
    if any("slideshow" in cell.metadata for cell in nb.cells):
        return nb
    cells = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]
    for cell, slide_type in zip(nb.cells, slide_breaks.propose(cells), strict=True):
        if slide_type:
            cell.metadata["slideshow"] = {"slide_type": slide_type}
    return nb


def _exporter() -> SlidesExporter:
    config = Config()
    config.SlidesExporter.reveal_url_prefix = REVEAL
    config.SlidesExporter.reveal_theme = "white"
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    # The projector toggle is for the live notebook; a static deck cannot run it.
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    return SlidesExporter(
        config=config,
        template_name="course-slides",
        extra_template_basedirs=[str(SOURCES / "template")],
    )


def deck(
    nb: nbformat.NotebookNode,
    lesson: course.Lesson,
    existing: set[str],
    exporter: SlidesExporter | None = None,
) -> str:
    """The HTML of one lesson's deck (``exporter``: one made by :func:`_exporter`, reused)."""
    title = lesson.heading.replace("`", "")  # the page title is plain text
    body, _ = (exporter or _exporter()).from_notebook_node(
        with_slide_breaks(nb), resources={"metadata": {"name": title}}
    )

    def link(match: re.Match[str]) -> str:  # a lesson's link goes to that lesson's deck
        stem = match.group(1)
        return f'href="{stem}.html"' if stem in existing else match.group(0)

    return LESSON_LINK.sub(link, body)


class _Loads(html.parser.HTMLParser):
    """Every URL an HTML page makes the browser fetch (not the links a reader may follow)."""

    FETCHED: ClassVar[dict[str, str]] = {
        "script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
        "video": "src", "embed": "src", "object": "data", "link": "href",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = self.FETCHED.get(tag)
        # <link rel="canonical"> and the like name a page, they load nothing.
        loads = tag != "link" or (values.get("rel") or "") in ("stylesheet", "icon", "preload")
        if name and values.get(name) and loads:
            self.urls.append(values[name] or "")
        if values.get("style"):
            self.urls += _css_urls(values["style"] or "")
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False if tag == "style" else self._style

    def handle_data(self, data: str) -> None:
        if self._style:
            self.urls += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # licence comments name their homepages
    found = re.findall(r"""url\(\s*['"]?([^'")\s]+)""", css)
    return found + re.findall(r"""@import\s+['"]([^'"]+)""", css)


def network_loads(page: str) -> list[str]:
    """What ``page`` would fetch from the network: every loaded URL that is not on disk."""
    parser = _Loads()
    parser.feed(page)
    return [url for url in parser.urls if re.match(r"(?i)^(https?:)?//", url)]


def index_page(lessons: Sequence[course.Lesson], existing: set[str]) -> str:
    rows = "\n".join(
        f'<li><a href="{lesson.stem}.html">{lesson.number} · {_escape(lesson.title)}</a> '
        f"({lesson.minutes} min)</li>"
        if lesson.stem in existing
        else f"<li>{lesson.number} · {_escape(lesson.title)} (not written yet)</li>"
        for lesson in lessons
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Python Concurrency Lab: slides</title>
<style>body {{ font: 22px/1.5 sans-serif; max-width: 52em; margin: 2em auto; }}</style>
</head><body><h1>Python Concurrency Lab: slides</h1>
<p>One deck per lesson. Arrow keys move between slides (down: the next demo of a section),
<kbd>F</kbd> is full screen, <kbd>Esc</kbd> the overview.</p>
<ol start="0">
{rows}
</ol></body></html>
"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("`", "")


# -- the build --------------------------------------------------------------------------------


def select(only: Sequence[str] = ()) -> list[course.Lesson]:
    lessons = list(course.LESSONS)
    if only:
        lessons = [x for x in lessons if any(x.stem.startswith(o) for o in only)]
        if not lessons:
            raise SystemExit(f"no lesson matches {list(only)}")
    return lessons


def build(
    only: Sequence[str] = (),
    *,
    projector: bool = False,
    jobs: int = 0,
    any_cache: bool = False,
    output: Path = OUTPUT,
) -> Report:
    """Decks for ``only`` (lesson numbers or stems; default every lesson) into ``output``.
    Raises if a lesson fails to run or a deck would load anything from the network."""
    report = Report(projector=projector)
    started = time.perf_counter()
    output.mkdir(parents=True, exist_ok=True)
    vendor_reveal(output)
    report.vendor_s = time.perf_counter() - started
    chosen = select(only)
    report.missing = [lesson.stem for lesson in chosen if not lesson.lesson_path.exists()]
    present = [lesson for lesson in chosen if lesson.lesson_path.exists()]
    jobs = jobs or build_site.default_jobs()
    notebooks = executed(present, report, jobs=jobs, any_cache=any_cache)
    started = time.perf_counter()
    existing = {lesson.stem for lesson in course.LESSONS if lesson.lesson_path.exists()}
    problems, exporter = [], _exporter()
    for lesson in present:
        page = deck(notebooks[lesson.stem], lesson, existing, exporter)
        problems += [f"{lesson.stem}.html loads {url}" for url in network_loads(page)]
        (output / f"{lesson.stem}.html").write_text(page, encoding="utf-8")
        report.decks.append(lesson.stem)
    (output / "index.html").write_text(index_page(course.LESSONS, existing), encoding="utf-8")
    report.convert_s = time.perf_counter() - started
    if problems:
        raise SystemExit("slides must open offline:\n" + "\n".join(problems))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="lesson numbers or stems (default: every lesson)")
    parser.add_argument("--projector", action="store_true", help="figures drawn for a projector")
    parser.add_argument("--any-cache", action="store_true", help="use out-of-date executions")
    parser.add_argument("--jobs", type=int, default=0, help="kernels at a time (default: cores/2)")
    args = parser.parse_args(argv)
    report = build(args.only, projector=args.projector, jobs=max(0, args.jobs),
                   any_cache=args.any_cache)  # fmt: skip
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
