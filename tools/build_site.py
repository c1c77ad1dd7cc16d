"""`make site`: the course website in build/site, from lessons/, course.toml and README.md.

1. Execute: every lesson the manifest lists (and that exists) is read with jupytext and run,
   one kernel per two usable cores, so that measurements stay true. The executed notebook is
   kept in build/site-cache under a key made of the lesson file, the shared helpers and the
   lesson's own package, so a rebuild re-runs only the lessons whose key changed.
2. Pages: each executed notebook is rewritten for the web (tools/site_lessons.py) into
   build/site-src, next to a landing page made from the manifest and the README. Files whose
   text did not change are not rewritten, so Sphinx sees nothing new on a warm rebuild.
3. Sphinx (website/conf.py) writes build/site; the learners' own notebooks, without outputs,
   replace the page sources the download button serves.

    python tools/build_site.py            # what `make site` runs
    python tools/build_site.py --jobs 2   # two kernels at a time (default: one per 2 cores)
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # tools/ is not a package: imported from its folder, as tools/ scripts do
import site_lessons

ROOT = course.ROOT
BUILD = ROOT / "build"
CACHE, SOURCES, OUTPUT = BUILD / "site-cache", BUILD / "site-src", BUILD / "site"
DOCTREES, KERNEL_LOG = BUILD / "site-doctrees", BUILD / "site-kernels.log"
CELL_TIMEOUT = 90  # seconds, as nbval's in `make nbval`
# Run in each kernel before the lesson, and removed from the page: figures carry alt text.
SETUP_CELL = "from helpers.draw.plots import show_alt_text\n\nshow_alt_text()"


@dataclass
class Report:
    """What one build did, for `make site`'s last line and tools/bench_site.py."""

    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    execute_s: float = 0.0
    sphinx_s: float = 0.0

    def summary(self) -> str:
        missing = f"; not written yet: {', '.join(self.missing)}" if self.missing else ""
        return (
            f"site: {len(self.executed)} lessons executed ({self.execute_s:.0f} s), "
            f"{len(self.cached)} from the cache, Sphinx {self.sphinx_s:.0f} s{missing} "
            f"-> {OUTPUT.relative_to(ROOT)}/index.html"
        )


def binder_url(stem: str, repository: str) -> str:
    """The Binder launch URL of one notebook, in JupyterLab (the README's form)."""
    return f"https://mybinder.org/v2/gh/{repository}/HEAD?urlpath=lab/tree/notebooks/{stem}.ipynb"


def _module_file(module: str) -> Path | None:
    """``helpers.core.machine`` -> helpers/core/machine.py (or its package's __init__.py)."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(tree: ast.AST, package: str) -> set[str]:
    """The helpers modules a piece of code imports (``from x import y``: x, and x.y if y is a
    module); ``package`` resolves relative imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # level 1 is the package itself (``from .plots``), level 2 its parent (``..core``)
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, node.module or ""]).strip(".") if node.level else node.module
            base = base or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] == "helpers"}


def helpers_files(lesson: course.Lesson) -> set[Path]:
    """Every helpers file the lesson runs: its own package, whatever its code cells import,
    and what those import in turn (statically, as written; package __init__ files too)."""
    nb = jupytext.read(lesson.lesson_path)
    code = "\n".join(
        line for cell in nb.cells if cell.cell_type == "code"
        for line in cell.source.split("\n") if not line.lstrip().startswith(("%", "!"))
    )  # fmt: skip
    found = {f for f in lesson.code_path.rglob("*") if f.is_file() and "__pycache__" not in f.parts}
    todo = [_imported(ast.parse(code), "helpers")]
    todo += [_imports_of(file) for file in found if file.suffix == ".py"]
    while todo:
        for module in todo.pop():
            parts = module.split(".")
            for depth in range(1, len(parts) + 1):  # helpers/__init__.py, helpers/core/...
                file = _module_file(".".join(parts[:depth]))
                if file and file not in found:
                    found.add(file)
                    todo.append(_imports_of(file))
    return found


@functools.cache  # one build reads each module once, however many lessons import it
def _imports_of(file: Path) -> frozenset[str]:
    return frozenset(_imported(ast.parse(file.read_bytes()), _package_of(file)))


def _package_of(file: Path) -> str:
    """The package relative imports in ``file`` start from (helpers/draw/plots.py: helpers.draw)."""
    return ".".join(file.relative_to(ROOT).parts[:-1])


def cache_key(lesson: course.Lesson) -> str:
    """What the lesson's outputs depend on: its text, the helpers code it runs, the Python."""
    digest = hashlib.sha256(lesson.lesson_path.read_bytes())
    digest.update(sys.version.encode() + SETUP_CELL.encode())
    try:
        files = sorted(helpers_files(lesson))
    except SyntaxError:  # a cell or module being edited: depend on all of helpers/
        files = sorted(f for f in (ROOT / "helpers").rglob("*.py") if f.is_file())
    for file in files:
        digest.update(str(file.relative_to(ROOT)).encode() + file.read_bytes())
    return digest.hexdigest()


def _kernel_env() -> dict[str, str]:
    # The kernel draws as JupyterLab's does (inline), whatever backend the caller forced.
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


async def _execute(lesson: course.Lesson, key: str, slots: asyncio.Semaphore) -> None:
    nb = jupytext.read(lesson.lesson_path)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP_CELL))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},  # cwd, as in JupyterLab
        store_widget_state=False,  # the site shows no live widget (website/conf.py)
        record_timing=False,
    )
    async with slots:
        started = time.perf_counter()
        # What kernels and their child processes print outside cells (the spawn demo's
        # traceback, ipykernel's notices) goes to a log, not into the build's output.
        with KERNEL_LOG.open("a") as log:
            await client.async_execute(env=_kernel_env(), stdout=log, stderr=log)
        print(f"  executed {lesson.stem} in {time.perf_counter() - started:.0f} s", flush=True)
    del nb.cells[0]
    nb.metadata["lab_site_cache_key"] = key
    CACHE.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, CACHE / f"{lesson.stem}.ipynb")


# How many other notebooks ran at the same time as this one, where nbval filled the cache with
# pytest-xdist (tools/nbval_site_cache.py). Side by side on two cores, each halves the other's
# speedups: fine for a test of the site, false on the published one.
BESIDE = "lab_site_executed_beside"


def is_current(path: Path, key: str, *, beside_ok: bool = False) -> bool:
    """Whether ``path`` holds the execution of ``key``, run alone unless ``beside_ok``."""
    if not path.exists():
        return False
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    alone = metadata.get(BESIDE, 0) == 0
    return metadata.get("lab_site_cache_key") == key and (alone or beside_ok)


async def all_or_none(runs: list[Coroutine[Any, Any, None]]) -> None:
    """Run the lessons' executions together; if one fails, cancel the others (so their kernels
    stop too), then raise its failure."""
    tasks = [asyncio.ensure_future(run) for run in runs]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _execute_all(lessons: list[course.Lesson], jobs: int) -> None:
    slots = asyncio.Semaphore(jobs)
    await all_or_none([_execute(lesson, cache_key(lesson), slots) for lesson in lessons])


def _write_if_changed(path: Path, text: str) -> None:
    """Unchanged files keep their mtime: Sphinx then rebuilds nothing."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _readme_section(readme: str, heading: str) -> str:
    """The text under ``## heading`` in README.md, up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not match:
        raise ValueError(f"README.md has no '## {heading}' section for the landing page")
    return match.group(1).strip()


NOTES = ROOT / "lessons" / "instructors"
NOTES_SUFFIX = "-instructors"


def instructor_page(lesson: course.Lesson, notes: str) -> str:
    """A lesson's instructor notes as a page of its own, linked to the lesson: the notes stay
    out of the learner's notebook and slides (lessons/instructors/README.md)."""
    heading, _, body = notes.partition("\n")
    return (
        f"{heading}\n\n"
        f"*For whoever teaches [{lesson.heading}]({lesson.stem}.ipynb): timing, the live demo, "
        "the misconceptions to expect, and what to do when the room's machines differ. "
        "Learners do not need this page.*\n"
        f"{body}"
    )


def landing_page(
    lessons: tuple[course.Lesson, ...],
    existing: set[str],
    repository: str,
    noted: tuple[str, ...] = (),
) -> str:
    """index.md: what the course is and for whom (the README's opening), the course map from
    the manifest, and how to run it (the README's two commands, and Binder)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    opening = readme.split("\n## ", 1)[0].split("\n", 1)[1]
    # No images: the README's point into docs/, and its badge would load from mybinder.org.
    opening = "\n".join(line for line in opening.split("\n") if "![" not in line)
    commands = re.search(r"```bash\n.*?```", _readme_section(readme, "Two commands"), re.S)
    if not commands:
        raise ValueError("README.md's 'Two commands' section has no ```bash block")
    rows = []
    for lesson in lessons:
        name, summary = (text.replace("|", r"\|") for text in (lesson.heading, lesson.summary))
        link = f"[{name}]({lesson.stem}.ipynb)" if lesson.stem in existing else f"{name} (soon)"
        rows.append(f"| {link} | {summary} | {lesson.minutes} |")
    total = sum(lesson.minutes for lesson in lessons)
    toctree = "\n".join(lesson.stem for lesson in lessons if lesson.stem in existing)
    notes_toctree = "\n".join(f"{stem}{NOTES_SUFFIX}" for stem in noted)
    start = binder_url(lessons[0].stem, repository)
    return f"""# Python Concurrency Lab

{opening.strip()}

## Course map

{len(lessons)} notebooks, about {total // 60} h {total % 60:02d} min in all, in this order.

| Notebook | What you will learn | Minutes |
| --- | --- | --- |
{chr(10).join(rows)}

## How to run it

Every page here was executed when the site was built; to change the numbers and move the
sliders, run the notebooks yourself. You need Python 3.10 or newer and `make`. From a clone of
[the repository](https://github.com/{repository}):

{commands.group(0)}

Or, with no installation, [launch the course on Binder]({start}) (JupyterLab in the cloud,
often with a single core). Each page's rocket button opens that notebook on Binder; its
download button gives you the notebook file.

```{{toctree}}
:hidden:
:caption: Lessons

{toctree}
```

```{{toctree}}
:hidden:
:caption: Instructors

{notes_toctree}
```
"""


def write_pages(lessons: tuple[course.Lesson, ...], repository: str) -> None:
    SOURCES.mkdir(parents=True, exist_ok=True)
    existing = {lesson.stem for lesson in lessons if lesson.lesson_path.exists()}
    for lesson in lessons:
        if lesson.stem not in existing:
            continue
        nb = nbformat.read(CACHE / f"{lesson.stem}.ipynb", as_version=4)
        launch = binder_url(lesson.stem, repository)
        site_lessons.to_page(nb, lesson.stem, existing=existing, launch_url=launch)
        _write_if_changed(SOURCES / f"{lesson.stem}.ipynb", nbformat.writes(nb) + "\n")
    noted = []
    for lesson in lessons:
        notes = NOTES / f"{lesson.stem}.md"
        if lesson.stem in existing and notes.exists():
            page = instructor_page(lesson, notes.read_text(encoding="utf-8"))
            _write_if_changed(SOURCES / f"{lesson.stem}{NOTES_SUFFIX}.md", page)
            noted.append(lesson.stem)
    for stale in SOURCES.glob("*.ipynb"):
        if stale.stem not in existing:
            stale.unlink()
    for stale in SOURCES.glob(f"*{NOTES_SUFFIX}.md"):
        if stale.stem.removesuffix(NOTES_SUFFIX) not in noted:
            stale.unlink()
    index = landing_page(lessons, existing, repository, tuple(noted))
    _write_if_changed(SOURCES / "index.md", index)


def run_sphinx(repository: str) -> None:
    # -W: a broken cross-reference or a bad directive fails the build instead of a page.
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "website"), "-q",
               "-d", str(DOCTREES), "-W", "--keep-going", str(SOURCES), str(OUTPUT)]  # fmt: skip
    env = {**os.environ, "LAB_SITE_REPOSITORY": repository}
    subprocess.run(command, check=True, env=env, cwd=ROOT)


def publish_notebooks(lessons: tuple[course.Lesson, ...]) -> None:
    """The download button serves _sources/NN_slug.ipynb: give learners their own notebook
    (no outputs, not rewritten for the web), the file JupyterLab and Binder open."""
    sources = OUTPUT / "_sources"
    for lesson in lessons:
        if (sources / f"{lesson.stem}.ipynb").exists():
            if lesson.notebook_path.exists():
                shutil.copyfile(lesson.notebook_path, sources / f"{lesson.stem}.ipynb")
            else:  # not synced yet: the same conversion `make notebooks` makes
                jupytext.write(jupytext.read(lesson.lesson_path), sources / f"{lesson.stem}.ipynb")


def default_jobs() -> int:
    """Kernels at a time: one per two usable cores. Two CPU-bound demos side by side on two
    cores would halve each other's speedups, and the pages would show numbers that are false
    for a learner's machine; on a 4-core runner two notebooks each still get two cores."""
    return max(1, len(os.sched_getaffinity(0)) // 2 if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 2) // 2)  # fmt: skip


def prune() -> None:
    """Drop what no visitor loads: figures of earlier builds (myst-nb names each by its hash
    and never deletes one) and the theme's source maps (3 MB, read only by browser devtools)."""
    pages = "".join(page.read_text(encoding="utf-8") for page in OUTPUT.glob("*.html"))
    for image in (OUTPUT / "_images").glob("*"):
        if image.name not in pages:
            image.unlink()
    for source_map in (OUTPUT / "_static").rglob("*.map"):
        source_map.unlink()


def build(jobs: int = 0, *, beside_ok: bool = False) -> Report:
    """Execute what changed (``jobs`` kernels at a time, 0: :func:`default_jobs`), write the
    pages, run Sphinx. Raises on the first failure. ``beside_ok``: also keep the executions nbval
    ran side by side with others (a site built to be tested, not published)."""
    jobs = jobs or default_jobs()
    report = Report()
    repository = course.repository()
    lessons = course.LESSONS
    todo = []
    for lesson in lessons:
        if not lesson.lesson_path.exists():
            report.missing.append(lesson.stem)
        elif is_current(CACHE / f"{lesson.stem}.ipynb", cache_key(lesson), beside_ok=beside_ok):
            report.cached.append(lesson.stem)
        else:
            todo.append(lesson)
    started = time.perf_counter()
    asyncio.run(_execute_all(todo, jobs))
    report.executed = [lesson.stem for lesson in todo]
    report.execute_s = time.perf_counter() - started
    write_pages(lessons, repository)
    started = time.perf_counter()
    run_sphinx(repository)
    publish_notebooks(lessons)
    prune()
    report.sphinx_s = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--jobs", type=int, default=0, help="kernels at a time (default: one per two cores)"
    )
    parser.add_argument(
        "--beside-ok",
        action="store_true",
        help="keep lessons nbval executed side by side (a site to test, not to publish)",
    )
    args = parser.parse_args()
    print(build(jobs=max(0, args.jobs), beside_ok=args.beside_ok).summary())


if __name__ == "__main__":
    main()
