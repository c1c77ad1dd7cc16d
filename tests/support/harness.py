"""What the end-to-end tests share: Debian's Chromium through Playwright, JupyterLab started the
way `make lab` starts it, and a learner's kernel driven through jupyter_client.

Locally a test whose tool is missing is skipped; with ``CI=true`` that is a failure, so CI
cannot pass without having looked. Nothing here downloads anything: Playwright drives the
Chromium that Debian installs, not one of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
JUPYTER = Path(sys.executable).parent / "jupyter"
CHROMIUM = Path(os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(what: str, reason: str) -> None:
    """Skip the test (``what`` names it), or fail it in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} cannot run in CI: {reason}")
    pytest.skip(f"{what} skipped: {reason}")


def playwright(what: str) -> Callable[[], Any]:
    """Playwright's ``sync_playwright``, once Playwright and Chromium are both known to be here."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(what, "Playwright for Python is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        unavailable(what, f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    return sync_playwright


@contextlib.contextmanager
def chromium(sync_playwright: Callable[[], Any]) -> Iterator[Any]:
    """A headless Chromium, closed afterwards."""
    with sync_playwright() as api:
        browser = api.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(settings: Path, *, every_cell_in_the_dom: bool = True) -> None:
    """Lab settings for a test: no news or update checks; optionally every cell in the DOM
    (JupyterLab otherwise renders only the cells near the viewport)."""
    values: dict[str, Any] = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}
    }
    if every_cell_in_the_dom:
        values["notebook-extension/tracker"] = {"windowingMode": "none"}
    for name, value in values.items():
        folder, file = name.split("/")
        path = settings / "@jupyterlab" / folder / f"{file}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@contextlib.contextmanager
def jupyter_lab(scratch: Path) -> Iterator[dict[str, str]]:
    """JupyterLab as `make lab` starts it (localhost, token auth) on ``scratch/course``, with
    the settings in ``scratch/settings``. Yields ``base``, ``token`` and ``root``; then stops
    the server, its kernels and whatever they started (one process group)."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={scratch / 'course'}",
        f"--LabApp.user_settings_dir={scratch / 'settings'}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    # Kernels must see what a learner's kernel sees: not the test run's Agg backend.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    with (scratch / "server.log").open("w") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=scratch,
            env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(
                            f"JupyterLab did not start:\n{(scratch / 'server.log').read_text()}"
                        )
                    time.sleep(0.3)
            yield {"base": base, "token": token, "root": str(scratch / "course")}
        finally:
            _stop_group(server)


def _stop_group(server: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def learner_kernel(start_method: str | None = None) -> Iterator[tuple[Any, Any]]:
    """A fresh kernel of this interpreter, started in notebooks/ like a learner's (and with
    ``LAB_START_METHOD`` set when ``start_method`` is given). Yields (manager, client)."""
    from jupyter_client.manager import KernelManager

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if start_method is not None:
        env["LAB_START_METHOD"] = start_method
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(ROOT / "notebooks"))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield manager, client
    finally:
        client.stop_channels()
        # Asked to shut down first (bounded: killed after shutdown_wait_time): killed at once,
        # its multiprocessing resource tracker could not remove the named semaphores that
        # Dask's worker processes had made (3.12 left six in /dev/shm per interrupt test).
        manager.shutdown_kernel()


def reply_to(client: Any, msg_id: str, timeout: float = 60) -> dict[str, Any]:
    """The execute reply's content for request ``msg_id`` (other replies are skipped)."""
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    return reply["content"]


def execute(client: Any, code: str, timeout: float = 60) -> dict[str, Any]:
    """Run code in the kernel; return the execute reply's content.

    Right after an error, ipykernel aborts requests that were already queued ("aborted"); a
    learner re-running a cell never sees that, so neither does this helper: it resends.
    """
    for _ in range(20):
        content = reply_to(client, client.execute(code), timeout)
        if content["status"] != "aborted":
            break
        time.sleep(0.1)
    return content


def _cmdline(pid: int | str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def ready_pool_worker(pid: int) -> bool:
    """Whether ``pid`` is a pool worker that has run the course's initializer, which makes it
    ignore SIGINT (/proc status). multiprocessing's resource tracker and forkserver ignore
    SIGINT too, and are not workers; a forkserver's children (the workers) share its command
    line, so the server is the one whose parent does not."""
    try:
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
    except OSError:
        return False
    command = _cmdline(pid)
    if b"resource_tracker" in command:
        return False
    if b"forkserver" in command and b"forkserver" not in _cmdline(status["PPid"].strip()):
        return False
    return bool(int(status["SigIgn"].strip(), 16) & (1 << (signal.SIGINT - 1)))


def descendants(pid: int) -> set[int]:
    """All living processes below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found
