"""The layout's two rules, enforced.

1. **What may import what.** Read from the source (every ``import`` statement, also those inside
   functions), each package may use only the layers below it:

   ========================  =============================================================
   ``helpers.core``          ``helpers.core``
   ``helpers.teaching``      ``helpers.teaching``
   ``helpers.sketches``      ``helpers.sketches``, ``helpers.core``
   ``helpers.draw``          ``helpers.draw``, ``helpers.core``
   ``helpers.lab``           ``helpers.lab``, ``helpers.draw``, ``helpers.core``,
                             ``helpers.teaching``, ``helpers.sketches``
   ``helpers.lessons.<s>``   ``helpers.lessons.<s>`` (its own package only) and every shared
                             part above
   ========================  =============================================================

   So no shared part depends on a lesson, and no lesson on another lesson.

2. **Child-safe modules stay light.** Every module a worker process may import (all of
   ``helpers.core``, ``helpers.teaching``, ``helpers.sketches``, and each lesson's ``child``
   module) is imported in a fresh interpreter, and ``sys.modules`` must then hold no
   matplotlib, ipywidgets or IPython.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPERS = ROOT / "helpers"
HEAVY = ("matplotlib", "ipywidgets", "IPython")
SHARED = ("helpers.core", "helpers.teaching", "helpers.sketches", "helpers.draw", "helpers.lab")
ALLOWED: dict[str, tuple[str, ...]] = {
    "helpers.core": ("helpers.core",),
    "helpers.teaching": ("helpers.teaching",),
    "helpers.sketches": ("helpers.sketches", "helpers.core"),
    "helpers.draw": ("helpers.draw", "helpers.core"),
    "helpers.lab": SHARED,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(HELPERS.rglob("*.py"))
    if (path.parent / "__init__.py").exists()  # scripts/ folders are run by path, not imported
}


def imported_by(name: str, path: Path) -> set[str]:
    """Every ``helpers`` module or package this module imports, resolved to absolute names."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {target for target in found if target == "helpers" or target.startswith("helpers.")}


def layer_of(name: str) -> str:
    if name.startswith("helpers.lessons."):
        return ".".join(name.split(".")[:3])
    return next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), "")


def allowed_for(name: str) -> tuple[str, ...]:
    layer = layer_of(name)
    if layer.startswith("helpers.lessons."):
        return (layer, *SHARED)
    return ALLOWED.get(layer, ())


def _within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(p + ".") for p in prefixes)


def _is_module(target: str) -> bool:
    return target in MODULES or target in ("helpers", "helpers.lessons")


def test_every_module_imports_only_the_layers_it_may_use() -> None:
    broken = {}
    for name, path in MODULES.items():
        if name in ("helpers", "helpers.lessons"):
            continue
        allowed = allowed_for(name)
        assert allowed, (
            f"{name} is in no layer: put it in core, draw, lab, teaching, sketches or a lesson"
        )
        bad = sorted(
            t for t in imported_by(name, path) if _is_module(t) and not _within(t, allowed)
        )
        if bad:
            broken[name] = bad
    assert not broken, f"imports across the layers (see this file's docstring): {broken}"


def test_the_rule_catches_a_lesson_importing_another_lesson(tmp_path: Path) -> None:
    """The checker itself: a lesson module importing another lesson's code is caught."""
    fake = HELPERS / "lessons" / "gil" / "fake.py"
    source = "from ..threading import fetch\nfrom ...core import machine\n"
    path = tmp_path / "fake.py"
    path.write_text(source)
    targets = imported_by("helpers.lessons.gil.fake", path)
    assert "helpers.lessons.threading.fetch" in targets and "helpers.core.machine" in targets
    assert not _within("helpers.lessons.threading.fetch", allowed_for("helpers.lessons.gil.fake"))
    assert _within("helpers.core.machine", allowed_for("helpers.lessons.gil.fake"))
    assert not fake.exists()


CHILD_SAFE = sorted(
    name
    for name in MODULES
    if name.startswith(("helpers.core", "helpers.teaching", "helpers.sketches"))
    or name.split(".")[-1] == "child"
    or ".child." in name
)


def test_there_are_child_modules_for_the_lessons_that_start_processes() -> None:
    lessons = {name.split(".")[2] for name in CHILD_SAFE if name.startswith("helpers.lessons.")}
    assert {"multiprocessing", "ipc"} <= lessons


@pytest.mark.parametrize("name", CHILD_SAFE)
def test_child_safe_modules_import_nothing_heavy(name: str) -> None:
    probe = (
        "import importlib, json, sys\n"
        f"importlib.import_module({name!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [], f"{name} pulls in drawing libraries at import time"
