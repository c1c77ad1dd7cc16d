"""A real Jupyter kernel for notebook 02's claims about Jupyter (where a thread's output lands,
what the ■ button interrupts), driven the way JupyterLab drives it: jupyter_client."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest
from jupyter_client.manager import KernelManager


@dataclass(frozen=True)
class Cell:
    """One executed cell: its request id, its execute reply, its iopub messages until idle."""

    msg_id: str
    reply: dict[str, Any]
    messages: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    def expression(self, name: str) -> str:
        """The text/plain value of the user expression ``name``."""
        return self.reply["user_expressions"][name]["data"]["text/plain"]

    def printed(self, marker: str) -> list[str]:
        """The requests (msg_ids) under which stream output containing ``marker`` arrived."""
        return [
            msg["parent_header"].get("msg_id")
            for msg in self.messages
            if msg["msg_type"] == "stream" and marker in msg["content"].get("text", "")
        ]


@pytest.fixture
def kernel() -> Iterator[tuple[Any, Any]]:
    """A fresh kernel of this interpreter, started in notebooks/ like a learner's."""
    with harness.learner_kernel() as started:
        yield started


reply_to = harness.reply_to


def iopub_until_idle(client: Any, msg_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every iopub message until request ``msg_id`` has gone idle."""
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        messages.append(msg)
        state = msg["content"].get("execution_state")
        if msg["parent_header"].get("msg_id") == msg_id and state == "idle":
            break
    return messages


@pytest.fixture
def run(kernel: tuple[Any, Any]) -> Callable[..., Cell]:
    """``run(code, **execute_options)``: run a cell in the kernel, wait for it to finish."""
    _, client = kernel

    def execute(code: str, **options: Any) -> Cell:
        msg_id = client.execute(code, **options)
        reply = reply_to(client, msg_id)
        return Cell(msg_id, reply, iopub_until_idle(client, msg_id))

    return execute


@pytest.fixture
def run_and_interrupt(kernel: tuple[KernelManager, Any]) -> Callable[..., Cell]:
    """``run_and_interrupt(code, marker)``: run a cell, and press ■ (send SIGINT, as JupyterLab
    does) once the cell has printed ``marker``."""
    manager, client = kernel

    def execute(code: str, marker: str) -> Cell:
        msg_id = client.execute(code)
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while not any(
            m["msg_type"] == "stream" and marker in m["content"].get("text", "") for m in seen
        ):
            assert time.monotonic() < deadline, f"the cell never printed {marker!r}"
            try:
                seen.append(client.get_iopub_msg(timeout=1))
            except queue.Empty:
                continue
        manager.interrupt_kernel()
        reply = reply_to(client, msg_id)
        return Cell(msg_id, reply, seen + iopub_until_idle(client, msg_id))

    return execute
