"""papermill's command line, except that cells tagged `raises-exception` may raise.

    python tools/run_notebook.py --cwd notebooks -k python3 -p workers 4 IN.ipynb OUT.ipynb

A few lessons show an error on purpose (a function defined in a cell failing under `spawn`).
JupyterLab, nbclient and nbval let such a cell raise when it carries the `raises-exception`
tag; papermill 2.x fails the whole run on any error. This wrapper keeps papermill's options and
output and only changes that rule: an error in an untagged cell still fails the run.
"""

from __future__ import annotations

import sys
from typing import Any

import papermill.execute
from papermill.cli import papermill as papermill_cli

_raise_for_errors = papermill.execute.raise_for_execution_errors


def _expected_to_raise(cell: Any) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def raise_for_untagged_errors(nb: Any, output_path: str) -> None:
    """papermill's error check, blind to the errors of cells tagged `raises-exception`."""
    hidden = []
    for cell in nb.cells:
        if _expected_to_raise(cell) and "outputs" in cell:
            hidden.append((cell, cell.outputs))
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
    try:
        _raise_for_errors(nb, output_path)
    finally:
        for cell, outputs in hidden:
            cell.outputs = outputs


papermill.execute.raise_for_execution_errors = raise_for_untagged_errors

if __name__ == "__main__":
    sys.exit(papermill_cli())
