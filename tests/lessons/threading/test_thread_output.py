"""Which cell shows what a thread prints: notebook 02 states a rule for the running kernel
(``helpers.lessons.threading.output``); a real kernel, driven as JupyterLab drives it
(jupyter_client), must follow it.

Cell A starts a thread that prints only once cell B has told it to, so the line is printed while
B runs, after A has finished: whichever cell it lands in is the kernel's rule, not luck.
"""

from __future__ import annotations

import pytest

MARKER = "printed by a thread that outlived its cell"

CELL_A = f"""
import contextvars, functools, threading
go = threading.Event()

def late_hello():
    if go.wait(timeout=30):
        print({MARKER!r}, flush=True)

late = threading.Thread(target=TARGET, name="late")
late.start()
"""
#: The thread's target: as it is, or run in a copy of the cell's context (what threads do by
#: default on free-threaded 3.14, and what ``Thread(context=...)`` asks for).
TARGETS = {
    False: "late_hello",
    True: "functools.partial(contextvars.copy_context().run, late_hello)",
}

CELL_B = """
go.set()
late.join(timeout=30)
assert not late.is_alive()
"""


@pytest.mark.parametrize("inherits", [False, True], ids=["fresh context", "inherited context"])
def test_a_threads_late_output_lands_where_the_lesson_says(run, inherits: bool) -> None:
    if not inherits:
        default = run(
            "from helpers.lessons.threading.output import threads_inherit_context",
            user_expressions={"inherits": "threads_inherit_context()"},
        )
        if default.expression("inherits") == "True":
            pytest.skip("threads inherit the context here by default: the other case covers it")
    inherit = "True" if inherits else "None"  # None: whatever this interpreter does by default
    stated = run(
        "from helpers.lessons.threading.output import thread_output_routing",
        user_expressions={"target": f"thread_output_routing(inherits_context={inherit}).target"},
    )
    assert stated.ok, stated.reply
    target = stated.expression("target").strip("'\"")

    a = run(CELL_A.replace("TARGET", TARGETS[inherits]))
    b = run(CELL_B)
    assert a.ok and b.ok, (a.reply, b.reply)
    # Output filed under cell A after A went idle arrives while B runs: b.messages has it.
    landed = b.printed(MARKER)
    assert landed, "the thread's line never arrived"
    expected = {"latest cell": b.msg_id, "starting cell": a.msg_id}[target]
    names = {a.msg_id: "A", b.msg_id: "B"}
    assert landed == [expected], (
        f"the lesson says the {target} ({names[expected]}); it went to "
        f"{[names.get(m, m) for m in landed]}"
    )
