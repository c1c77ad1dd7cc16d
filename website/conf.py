"""Sphinx configuration of the course website. Run through `make site` (tools/build_site.py),
which writes the pages into build/site-src and passes the repository in LAB_SITE_REPOSITORY.

The stack Jupyter Book 1 and QuantEcon's lectures use: myst-nb reads the executed notebooks
(never executing them: tools/build_site.py did, with its own cache), sphinx-book-theme gives the
launch and download buttons, sphinx-exercise the exercise and solution blocks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder

REPOSITORY = os.environ.get("LAB_SITE_REPOSITORY", "OWNER/REPO")

project = "Python Concurrency Lab"
html_title = project
extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx_design",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx.ext.githubpages",  # .nojekyll, so GitHub Pages serves _static/ as it is
]
exclude_patterns = ["**.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3  # `[text](02_threading.ipynb#daemon-threads)` resolves
nb_execution_mode = "off"  # executed (and cached) by tools/build_site.py
nb_merge_streams = True
# A static page cannot run a widget: leave the widget view out, so an explorer shows its
# text/html line (helpers.draw.widgets.Explorer.static_html), and load no widget JavaScript
# (myst-nb would take it from a CDN).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
numfig = True  # numbered exercises ("Exercise 2"), renumbered per lesson below
html_sourcelink_suffix = ""  # _sources/NN_slug.ipynb: the download button's file

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["site.css"]
# Without an icon, browsers ask for /favicon.ico and log its 404 as a console error.
html_favicon = "_static/favicon.svg"
# Without a default the theme logs "invalid theme mode" to the console on every page.
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY}",
    "repository_branch": "HEAD",
    "path_to_docs": "notebooks",  # the launch button opens notebooks/NN_slug.ipynb
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
}


def _alt_texts(notebook: Path) -> dict[str, str]:
    """``{sha256 of a PNG: its alt text}`` from the outputs' metadata (helpers.draw.plots).

    myst-nb names each image file by the SHA-256 of its bytes but reads no alt from outputs.
    """
    found: dict[str, str] = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            png = output.get("data", {}).get("image/png")
            if alt and png:
                found[hashlib.sha256(base64.b64decode(png)).hexdigest()] = alt
    return found


def _add_alt_text(app: Sphinx, doctree: nodes.document) -> None:
    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    alt_texts = _alt_texts(source)
    for image in doctree.findall(nodes.image):
        alt = alt_texts.get(Path(image["uri"]).stem)
        if alt and not image.get("alt"):
            image["alt"] = alt


def _number_exercises_per_lesson(app: Sphinx, builder: Builder) -> None:
    """Sphinx numbers exercises across the whole site; the lessons number them within each
    lesson, and the label (``ex-<stem>-<N>``, tools/site_lessons.py) carries that number.

    Done when writing starts, after the environment was saved: the saved numbers stay
    Sphinx's own, so the next build finds them unchanged and rewrites no page for them.
    """
    for numbers in builder.env.toc_fignumbers.values():
        for label in numbers.get("exercise", {}):
            numbers["exercise"][label] = (int(label.rsplit("-", 1)[1]),)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", _add_alt_text)
    app.connect("write-started", _number_exercises_per_lesson)
    return {"parallel_read_safe": True}
