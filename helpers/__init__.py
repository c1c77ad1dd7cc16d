"""Helpers for Python Concurrency Lab.

Kept import-light on purpose: worker processes started with ``spawn`` or ``forkserver`` import
this package to find the functions they run, so nothing heavy (matplotlib, ipywidgets) is
imported here. Import the submodule you need, e.g. ``from helpers import machine``.
"""

__version__ = "0.1.0"
