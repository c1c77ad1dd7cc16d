"""tools/slide_breaks.py: slide metadata proposed from a lesson's structure, written so that
jupytext reads it back unchanged and the notebooks carry it. Every edit is made on copies."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jupytext
import pytest
import slide_breaks as sb
import sync_notebooks as sync

LESSON_FILES = sorted(sb.LESSONS.glob("*.md"))
# jupytext adds its own version to the header it writes; nothing else may differ.
_VERSION_LINES = re.compile(r"^    (format_version|jupytext_version): .*\n", re.M)

TINY = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# 99 · Tiny

**Time:** about 5 minutes.

+++

## Setup

```{code-cell} ipython3
baseline = 1
```

```{code-cell} ipython3
:tags: [remove-cell]

projector_toggle()
```

## Parameters

```{code-cell} ipython3
:tags: [parameters]

n = 2
```

## A concept

Text before the first demo.

```{code-cell} ipython3
first = n
```

**How to read it.** A conclusion: it stays with the demo above.

+++

The next demo, introduced.

```{code-cell} ipython3
:tags: [raises-exception]

second = first
```

### A subsection

```{code-cell} ipython3
third = 3
```

## Exercises

+++

**Exercise 1.** Do it.

```{code-cell} ipython3
answer = None
```

```{code-cell} ipython3
check(answer)
```

<details><summary>Solution</summary>

`answer = 1`

</details>

+++

## Key points

- one

```{code-cell} ipython3
leftovers.assert_nothing_left(baseline)
```
"""

EXPECTED = [
    None,  # title
    "slide",  # ## Setup
    None,  # setup code
    "skip",  # the projector toggle (remove-cell): a widget, in the notebook only
    "skip",  # ## Parameters
    "skip",  # parameters cell
    "slide",  # ## A concept, with its first demo
    None,
    None,  # the conclusion stays with the demo
    "subslide",  # the next demo, with the text that introduces it
    None,
    "subslide",  # ### A subsection
    None,
    "slide",  # ## Exercises
    "subslide",  # the prompt, on a slide of its own
    "skip",  # answer
    "skip",  # check
    "skip",  # solution
    "slide",  # ## Key points
    "skip",  # the clean-up check
]


def _cells(text: str) -> list[tuple[str, str, dict]]:
    notebook = jupytext.reads(text, fmt="md:myst")
    return [(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells]


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.stem for p in LESSON_FILES])
def test_the_parser_reads_every_lesson_as_jupytext_does(path: Path) -> None:
    mine = [(c.kind, c.source, c.metadata) for c in sb.parse(path.read_text(encoding="utf-8"))]
    assert mine == _cells(path.read_text(encoding="utf-8"))


def test_the_proposal_follows_the_convention() -> None:
    cells = sb.parse(TINY)
    assert sb.propose([(c.kind, c.source, c.tags) for c in cells]) == EXPECTED


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.stem for p in LESSON_FILES])
def test_marking_a_copy_changes_only_metadata_in_jupytexts_own_form(
    path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    before = copy.read_text(encoding="utf-8")
    after, types, _ = sb.mark(before)
    old, new = _cells(before), _cells(after)
    assert [(k, s) for k, s, _ in old] == [(k, s) for k, s, _ in new]  # same cells, same text
    for slide_type, (_, _, meta_old), (_, _, meta_new) in zip(types, old, new, strict=True):
        expected = {**meta_old, "slideshow": {"slide_type": slide_type}} if slide_type else meta_old
        assert meta_new == expected
    # Saving the notebook in JupyterLab writes the lesson through jupytext: no churn.
    rewritten = jupytext.writes(jupytext.reads(after, fmt="md:myst"), fmt="md:myst")
    assert _VERSION_LINES.sub("", rewritten) == after
    assert sb.mark(after)[0] == after  # a second pass changes nothing


def test_hand_made_slide_metadata_is_kept() -> None:
    text = TINY.replace(
        "+++\n\n## Key points", '+++ {"slideshow": {"slide_type": "skip"}}\n\n## Key points'
    )
    after, _, _ = sb.mark(text)
    assert '+++ {"slideshow": {"slide_type": "skip"}}\n\n## Key points' in after
    assert '+++ {"slideshow": {"slide_type": "slide"}}\n\n## Key points' not in after


def test_the_metadata_survives_sync_into_the_notebook(tmp_path: Path) -> None:
    lesson = tmp_path / "00_start_here.md"
    shutil.copy(sb.LESSONS / "00_start_here.md", lesson)
    plain = json.loads(sync.render(lesson))
    lesson.write_text(sb.mark(lesson.read_text(encoding="utf-8"))[0], encoding="utf-8")
    marked = json.loads(sync.render(lesson))
    types = [c["metadata"].get("slideshow", {}).get("slide_type") for c in marked["cells"]]
    assert {"slide", "subslide", "skip"} <= set(types)
    # Cell ids come from content only: marking a lesson does not renumber its notebook.
    assert [c["id"] for c in marked["cells"]] == [c["id"] for c in plain["cells"]]
    assert [c["source"] for c in marked["cells"]] == [c["source"] for c in plain["cells"]]
    assert sync.render(lesson) == sync.render(lesson)


def test_the_command_line_dry_run_writes_nothing_and_write_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "99_tiny.md").write_text(TINY, encoding="utf-8")
    monkeypatch.setattr(sb, "LESSONS", tmp_path)
    assert sb.main([]) == 0
    assert (tmp_path / "99_tiny.md").read_text(encoding="utf-8") == TINY
    assert "99_tiny.md: 5 slides, 3 sub-slides, 7 cells skipped (would change)" in (
        capsys.readouterr().out
    )
    assert sb.main(["--write", "99"]) == 0
    assert sb.main(["99"]) == 0
    assert "(unchanged)" in capsys.readouterr().out


def test_a_second_heading_inside_a_cell_is_reported() -> None:
    text = TINY.replace("### A subsection\n", "### A subsection\n\n### Another\n")
    (warning,) = sb.warnings(sb.parse(text))
    assert "'### Another' is inside the cell that starts with '### A subsection'" in warning
    text = TINY.replace("Text before the first demo.", "Text before.\n\n### Inside text")
    (warning,) = sb.warnings(sb.parse(text))
    assert "'### Inside text' is inside the cell that starts with '## A concept'" in warning
