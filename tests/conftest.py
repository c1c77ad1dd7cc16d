"""Shared test setup: a non-interactive matplotlib backend, and the project root on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
# Hypothesis keeps a cache in .hypothesis/ under the working directory; pytest's norecursedirs
# (pyproject.toml) does not list it, so collection would warn about it on every run. build/ is
# ignored by pytest and git, and `make clean` empties it.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(ROOT / "build" / "hypothesis"))
sys.path.insert(0, str(ROOT / "tools"))
