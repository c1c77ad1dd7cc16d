"""Projector mode: one switch that makes every course figure readable from the back of a room."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import matplotlib as mpl
import pytest

from helpers.draw import plots, style


@pytest.fixture
def projector() -> Iterator[None]:
    before = style.projector()
    style.set_projector(True)
    yield
    style.set_projector(before)


def test_projector_mode_grows_text_and_lines_and_fits_a_slide(projector: None) -> None:
    assert mpl.rcParams["font.size"] >= 16 and mpl.rcParams["lines.linewidth"] >= 3
    fig, _ = plots.new_figure(ncols=2, width=6.0, height=3.6)
    width, height = fig.get_size_inches()
    assert width <= style.SLIDE_INCHES[0] and height <= style.SLIDE_INCHES[1]
    # Each side grows with the text, up to the slide: a wide figure keeps room for its text.
    assert (width, height) == pytest.approx((12.8, 1.6 * 3.6))
    assert style.figure_size(4.0, 6.0) == pytest.approx((6.4, 7.2))


def test_normal_mode_is_the_laptop_style() -> None:
    style.set_projector(False)
    assert mpl.rcParams["font.size"] == 10
    assert style.figure_size(6.0, 3.6) == (6.0, 3.6)


def test_the_environment_switch_turns_it_on_before_anything_is_drawn() -> None:
    probe = (
        "from helpers.draw import style; import matplotlib as m; "
        "print(style.projector(), m.rcParams['font.size'])"
    )
    for value, expected in (("1", "True 16.0"), ("0", "False 10.0"), ("", "False 10.0")):
        out = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env={"LAB_PROJECTOR": value, "MPLBACKEND": "Agg", "PATH": ""},
            timeout=60,
            check=True,
        )
        assert out.stdout.split() == expected.split()
