"""tools/site_lessons.py: how a lesson's markdown is marked up for the website (no Sphinx)."""

from __future__ import annotations

import nbformat
import site_lessons
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

LAUNCH = "https://mybinder.org/v2/gh/o/r/HEAD?urlpath=lab/tree/notebooks/00_x.ipynb"


def page(*cells: nbformat.NotebookNode, existing: tuple[str, ...] = ("01_next",)) -> list[str]:
    nb = new_notebook(cells=list(cells))
    site_lessons.to_page(nb, "00_x", existing=existing, launch_url=LAUNCH)
    return [cell.source for cell in nb.cells]


def test_an_exercise_runs_over_its_cells_with_hint_inside_and_solution_after() -> None:
    sources = page(
        new_markdown_cell("**Exercise 2.** Write `f`.\nMore text."),
        new_code_cell("answer = None"),
        new_code_cell("check(answer)"),
        new_markdown_cell(
            "<details><summary>Hint</summary>\n\nThink.\n\n</details>\n\n"
            "<details><summary>Solution</summary>\n\n```python\nanswer = 1\n```\n\n</details>"
        ),
        new_markdown_cell("## Key points\n\n- one\n- two\n\n**Next:** [01 · Next](01_next.ipynb)."),
    )
    first, _, _, folded, last = sources
    assert first.startswith("```{exercise-start}\n:label: ex-00_x-2\n```\nWrite `f`.\nMore text.")
    hint, solution = folded.index(":::{admonition} Hint"), folded.index("{solution-start}")
    assert hint < folded.index("{exercise-end}") < solution  # the hint is part of the exercise
    assert "```{solution-start} ex-00_x-2\n:class: dropdown\n```" in folded
    assert folded.index("answer = 1") < folded.index("{solution-end}")
    assert "<details>" not in folded and "</details>" not in folded
    assert last.startswith("## Key points\n\n:::{admonition} Remember")
    assert "(01_next.ipynb)" in last  # a written lesson keeps its link


def test_an_exercise_without_solution_ends_at_the_next_heading_or_the_notebook() -> None:
    sources = page(
        new_markdown_cell("**Exercise 1.** A."),
        new_code_cell("x = 1"),
        new_markdown_cell("## Next section\n\n**Exercise 2.** B."),
        new_code_cell("y = 2"),
    )
    assert sources[2].index("{exercise-end}") < sources[2].index("## Next section")
    assert "{exercise-end}" in sources[-1]  # closed after the notebook's last cell
    text = "\n".join(sources)
    assert text.count("{exercise-start}") == text.count("{exercise-end}") == 2


def test_objectives_become_an_admonition_and_unwritten_lessons_plain_text() -> None:
    (source,) = page(
        new_markdown_cell(
            "# 00 · X\n\n**You will learn**\n\n- a;\n- b, which\n  wraps.\n\n"
            "**Prerequisites:** [09 · Later](09_later.ipynb)."
        )
    )
    assert "**You will learn**" not in source
    block = source[source.index(":::{admonition} You will learn") :]
    assert block.index("- b, which\n  wraps.") < block.index(":::\n")
    assert block.index(":::\n") < block.index("**Prerequisites:** *09 · Later* (coming soon)")


def test_details_outside_an_exercise_and_a_hint_split_by_code_stay_html() -> None:
    sources = page(
        new_markdown_cell("<details><summary>Solution</summary>\n\nx\n\n</details>"),
        new_markdown_cell("**Exercise 1.** A.\n\n<details><summary>Hint</summary>\n\nSee:"),
        new_code_cell("print(1)"),
        new_markdown_cell("</details>"),
    )
    assert sources[0].startswith("<details>")
    assert "<details><summary>Hint</summary>" in sources[1]


def test_an_explorer_line_gets_the_lessons_launch_link() -> None:
    cell = new_code_cell("explorer")
    html = (
        "<p class='lab-explorer-static'>… on Binder<span class='lab-explorer-launch'></span>.</p>"
    )
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    nb = new_notebook(cells=[cell])
    site_lessons.to_page(nb, "00_x", existing=(), launch_url=LAUNCH)
    shown = nb.cells[0].outputs[0]["data"]["text/html"]
    assert f'href="{LAUNCH}"' in shown and "lab-explorer-launch'></span>" not in shown
