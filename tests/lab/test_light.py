"""The engine is light: importing it (or running a search) brings no matplotlib, ipywidgets or
IPython; only the drawing and the widget modules do, when used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LIGHT = [
    "helpers.lab",
    "helpers.lab.engine",
    "helpers.lab.search",
    "helpers.lab.run",
    "helpers.lab.prove",
    "helpers.lab.levels",
    "helpers.lab.unsteered",
    "helpers.lessons.condition.levels",
]


@pytest.mark.parametrize("module", LIGHT)
def test_importing_the_engine_brings_nothing_heavy(module: str) -> None:
    code = (
        f"import json, sys, {module}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'ipywidgets', 'IPython'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
