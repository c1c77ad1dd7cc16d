"""helpers.lessons.multiprocessing.preload: who imports a child's module; the fork server's
preload list, measured in a fresh interpreter."""

from __future__ import annotations

import pytest

from helpers.core import machine
from helpers.lessons.multiprocessing import preload

pytestmark = pytest.mark.usefixtures("nothing_left")

HAS_FORKSERVER = "forkserver" in machine.available_start_methods()


@pytest.mark.parametrize("method", machine.available_start_methods())
def test_who_imports_depends_on_the_start_method(method: str) -> None:
    info = preload.who_imports(method)
    assert info.pid != info.parent_pid
    # fork: a copy of this process, which imported the module; spawn and a fork server that
    # preloaded nothing: the child itself, when it unpickled its target.
    assert info.importer == ("its parent" if method == "fork" else "itself")


@pytest.mark.skipif(not HAS_FORKSERVER, reason="no forkserver on this platform")
def test_preload_moves_the_import_into_the_server() -> None:
    default = preload.preload_run([], children=1)
    preloaded = preload.preload_run([preload.CHILD_MODULE], children=1)
    assert default.preload == () and set(default.importers) == {"itself"}
    assert preloaded.preload == (preload.CHILD_MODULE,)
    assert set(preloaded.importers) == {"its parent"}  # the server, which forked the child
    assert len(default.seconds) == len(preloaded.seconds) == 2
    assert default.per_child > 0 and preloaded.server_start > 0


@pytest.mark.skipif(not HAS_FORKSERVER, reason="no forkserver on this platform")
def test_a_preload_name_that_does_not_import_is_skipped_silently() -> None:
    run = preload.preload_run(["no_such_module_for_the_lab"], children=1)
    assert set(run.importers) == {"itself"}  # nothing preloaded, and no error either


def test_preload_run_validates() -> None:
    with pytest.raises(ValueError, match="children"):
        preload.preload_run([], children=0)
    with pytest.raises(TypeError, match="preload"):
        preload.preload_run("helpers")
