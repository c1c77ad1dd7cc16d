"""Notebook 02 says ■ (and Ctrl-C) raise KeyboardInterrupt in the main thread only, while every
other thread carries on. Checked with the real button: jupyter_client's interrupt_kernel sends
the kernel the SIGINT JupyterLab sends. (The notebook's own cell uses _thread.interrupt_main.)"""

from __future__ import annotations

CELL = """
import threading, time
stop_working = threading.Event()
worker = threading.Thread(target=lambda: stop_working.wait(timeout=60), name="worker")
worker.start()
print("worker started", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:  # the main thread's own work, until ■
    time.sleep(0.01)
"""


def test_the_stop_button_interrupts_the_main_thread_and_no_other(run, run_and_interrupt) -> None:
    pressed = run_and_interrupt(CELL, marker="worker started")
    assert pressed.reply["status"] == "error" and pressed.reply["ename"] == "KeyboardInterrupt"
    after = run(
        "",
        user_expressions={
            "worker": "worker.is_alive()",
            "where": "threading.current_thread() is threading.main_thread()",
        },
    )
    assert after.expression("worker") == "True"  # the interrupt did not touch it
    assert after.expression("where") == "True"  # cells, and so the interrupt, are main-thread
    done = run("stop_working.set()\nworker.join(timeout=5)\nassert not worker.is_alive()")
    assert done.ok, done.reply
