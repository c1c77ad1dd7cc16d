"""Projector mode reaches every part of a course figure: text, lines, markers, size, and the
explorer's controls; the drawing helpers hold no absolute size that would escape it."""

from __future__ import annotations

from collections.abc import Iterator

import absolute_sizes
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from sample_spans import two_rows_of_spans  # tests/support/

from helpers.draw import plots, style
from helpers.draw.timeline import draw_spans, finish_timeline
from helpers.draw.widgets import Explorer, int_slider


@pytest.fixture(autouse=True)
def restore_mode() -> Iterator[None]:
    before = style.projector()
    yield
    style.set_projector(before)


def timeline(projector: bool) -> Figure:
    """A two-worker timeline, as the lessons draw them, with a speedup panel next to it."""
    style.set_projector(projector)
    spans = two_rows_of_spans("thread")
    fig, (left, right) = plots.new_figure(ncols=2, width=6.25, height=2.4)
    draw_spans(left, spans, 0.0)
    finish_timeline(left, right_ms=130, xlabel="time (ms)", ylabel="worker", title="6 tasks")
    right.plot([1, 2], [1, 2], **plots.IDEAL_STYLE, label="ideal")
    plots.mark_point(right, 2, 1.5)
    right.legend()
    plots.finish(right, xlabel="workers", ylabel="speedup (×)", title="Speedup")
    fig.suptitle("A headline")
    fig.canvas.draw()  # tick labels exist once the figure is laid out
    return fig


def text_sizes(fig: Figure) -> dict[str, float]:
    """The font size of each kind of text in the figure (the largest of its kind)."""
    kinds: dict[str, float] = {}

    def note(kind: str, texts: list[Text]) -> None:
        sizes = [t.get_fontsize() for t in texts if t.get_text()]
        if sizes:
            kinds[kind] = max(kinds.get(kind, 0.0), *sizes)

    note("suptitle", [fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        note("title", [ax.title])
        note("axis label", [ax.xaxis.label, ax.yaxis.label])
        note("tick label", ax.get_xticklabels() + ax.get_yticklabels())
        if ax.get_legend():
            note("legend", list(ax.get_legend().get_texts()))
    return kinds


def test_every_kind_of_text_grows_by_at_least_half_in_projector_mode() -> None:
    normal, large = text_sizes(timeline(False)), text_sizes(timeline(True))
    assert set(normal) == {"suptitle", "title", "axis label", "tick label", "legend"}
    for kind, size in normal.items():
        assert large[kind] >= 1.5 * size, f"{kind}: {size} pt -> {large[kind]} pt"


def test_lines_and_markers_thicken_and_the_figure_fits_a_slide() -> None:
    def widths(fig: Figure) -> list[float]:
        return sorted(line.get_linewidth() for ax in fig.axes for line in ax.get_lines())

    normal, large = timeline(False), timeline(True)
    assert all(b >= 1.9 * a for a, b in zip(widths(normal), widths(large), strict=True))
    width, height = large.get_size_inches()
    assert width <= style.SLIDE_INCHES[0] and height <= style.SLIDE_INCHES[1]
    assert tuple(normal.get_size_inches()) == (12.5, 2.4)  # the laptop look is unchanged


def test_reference_lines_read_the_mode_when_drawn() -> None:
    style.set_projector(False)
    assert plots.IDEAL_STYLE["linewidth"] == pytest.approx(1.2)
    assert dict(plots.LIMIT_STYLE)["linewidth"] == pytest.approx(1.6, abs=0.01)
    style.set_projector(True)
    assert plots.IDEAL_STYLE["linewidth"] == pytest.approx(2.4)
    assert {**plots.IDEAL_STYLE}["color"] == "#555555"


def test_the_drawing_helpers_hold_no_absolute_size() -> None:
    assert absolute_sizes.scan([absolute_sizes.ROOT / "helpers" / "draw"]) == []


def test_the_finder_suggests_relative_sizes(tmp_path) -> None:
    code = 'ax.legend(fontsize=8)\nax.axhline(1, color="#000000", linewidth=0.75)  # lw=3\n'
    findings = absolute_sizes.scan_text(tmp_path / "f.py", code)
    assert [(f.line, f.replacement) for f in findings] == [
        (1, 'fontsize="small"'),
        (2, "linewidth=line_width(0.5)"),
    ]
    assert absolute_sizes.relative_font(11) == "large"
    assert absolute_sizes.relative_font(7) == "x-small"


def test_the_toggle_switches_the_mode_and_says_so() -> None:
    style.set_projector(False)
    button, note = style.projector_toggle().children
    assert button.value is False and "off" in note.value
    button.value = True
    assert style.projector() and "on" in note.value
    button.value = False
    assert not style.projector() and "off" in note.value


def test_an_explorer_in_projector_mode_has_large_controls() -> None:
    def compute(n: int, progress: object = None) -> Figure:
        return plots.new_figure()[0]

    style.set_projector(False)
    plain = Explorer(compute, {"n": int_slider("N", 1, 1, 3)})
    assert "lab-projector" not in plain.widget._dom_classes
    style.set_projector(True)
    large = Explorer(compute, {"n": int_slider("N", 1, 1, 3)})
    assert "lab-projector" in large.widget._dom_classes
    assert "--jp-widgets-font-size" in large.widget.children[0].value
