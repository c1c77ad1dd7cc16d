"""pytest plugin: nbval shuts each kernel down cleanly instead of killing it.

    pytest -p nbval_shutdown --nbval-lax notebooks/      (with tools/ on PYTHONPATH)

nbval ends a notebook with ``shutdown_kernel(now=True)``, which kills the kernel's whole
process group, multiprocessing's resource tracker included. Nothing then removes the named
semaphores that locks and queues create under ``spawn`` and ``forkserver``, and each run leaves
``sem.mp-*`` files in /dev/shm. Asking the kernel to exit lets Python's own clean-up run, as
it does when a learner shuts a kernel down in JupyterLab. A kernel that does not exit within
jupyter_client's ``shutdown_wait_time`` (5 s) is still killed, so a stuck kernel cannot hang the
run.
"""

from __future__ import annotations

from typing import Any

import pytest


def _stop_gracefully(self: Any) -> None:  # replaces nbval.kernel.RunningKernel.stop
    self.kc.stop_channels()
    self.km.shutdown_kernel(now=False)
    del self.km


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    try:
        from nbval.kernel import RunningKernel
    except ImportError:  # nbval not installed: nothing to change
        return
    RunningKernel.stop = _stop_gracefully
