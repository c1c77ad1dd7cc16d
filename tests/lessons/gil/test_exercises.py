"""The checkers of notebook 01 (the GIL): each accepts the reference solution and rejects the
typical wrong answers with a specific message, without ever raising."""

from __future__ import annotations

import contextlib
import sys

import pytest

from helpers.lessons.gil import exercises as ex01


def not_started(*args: object) -> object:
    raise NotImplementedError


# --- 01, exercise 1: predicted times ---------------------------------------------------------


def test_predicted_times_accepts_the_reference() -> None:
    assert ex01.check_predicted_times(400, 100)
    assert ex01.check_predicted_times(450.0, 110)  # with a little switching on top: still right


@pytest.mark.parametrize(
    ("threads_ms", "processes_ms", "message"),
    [
        (None, 100, "set threads_ms to a number"),
        (400, None, "set processes_ms"),
        (True, 100, "should be a number of milliseconds"),
        (100, 100, "cannot run pure Python at the same time"),
        (50, 100, "cannot be less"),
        (1600, 100, "add up the work"),
        (400, 400, "its own GIL"),
        (400, 25, "each task still needs its 100 ms"),
        (400, 250, "too slow"),
        (100, 25, "cannot run pure Python at the same time"),  # divides both by 4
        (200, 100, "add up the work"),  # as if 2 threads ran at a time
        (400, 200, "start-up left out"),  # counts the start-up the exercise leaves out
        (360, 100, "add up the work"),  # less than the work itself
    ],
)
def test_predicted_times_rejects(threads_ms: object, processes_ms: object, message: str) -> None:
    feedback = ex01.check_predicted_times(threads_ms, processes_ms)
    assert not feedback and message in feedback.message


# --- 01, exercise 2: which calls release the GIL ---------------------------------------------

RELEASES_GIL = {call: truth for call, (truth, _) in ex01.GIL_RELEASE_FACTS.items()}


def test_releases_gil_accepts_the_reference() -> None:
    assert ex01.check_releases_gil(dict(RELEASES_GIL))


def test_releases_gil_placeholder_and_shape() -> None:
    assert "still None" in ex01.check_releases_gil(None).message
    assert "should be a dict" in ex01.check_releases_gil(["x"]).message
    assert "answer True or False" in ex01.check_releases_gil(dict.fromkeys(RELEASES_GIL)).message
    partial = dict(RELEASES_GIL)
    del partial["time.sleep(0.1)"]
    assert "missing" in ex01.check_releases_gil(partial).message


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("sorted(list_of_a_million_ints)", "compares Python objects"),
        ("sum(i * i for i in range(10**6))", "Python bytecode"),
        ("zlib.compress(big_buffer)", "raw bytes"),
        ("time.sleep(0.1)", "blocking wait"),
    ],
)
def test_releases_gil_explains_each_wrong_answer(call: str, reason: str) -> None:
    answers = dict(RELEASES_GIL)
    answers[call] = not answers[call]
    feedback = ex01.check_releases_gil(answers)
    assert not feedback and feedback.message.startswith(call) and reason in feedback.message


@pytest.mark.parametrize(
    ("answers", "first"),
    [
        ({call: True for call in RELEASES_GIL}, "sum(i * i"),  # "all C calls release it"
        ({call: False for call in RELEASES_GIL}, "hashlib"),  # "only I/O releases it"
        ({**RELEASES_GIL, "time.sleep(0.1)": False}, "time.sleep"),  # "sleeping keeps it"
    ],
)
def test_releases_gil_rejects_plausible_beliefs(answers: dict, first: str) -> None:
    feedback = ex01.check_releases_gil(answers)
    assert not feedback and feedback.message.startswith(first)


def test_releases_gil_counts_the_remaining_mistakes() -> None:
    answers = {call: not truth for call, truth in RELEASES_GIL.items()}
    assert "4 more to fix" in ex01.check_releases_gil(answers).message


# --- 01, exercise 3: run with a switch interval ----------------------------------------------


def reference_run_with_switch_interval(seconds, work):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        return work()
    finally:
        sys.setswitchinterval(previous)


def as_given_in_the_notebook(seconds, work):
    """The exercise's starting point: restores the default, and skips it on KeyboardInterrupt."""
    sys.setswitchinterval(seconds)
    try:
        result = work()
    except Exception:
        sys.setswitchinterval(0.005)
        raise
    sys.setswitchinterval(0.005)
    return result


def default_in_finally(seconds, work):
    """Lucky with the environment: right whenever the kernel happens to have the default."""
    sys.setswitchinterval(seconds)
    try:
        return work()
    finally:
        sys.setswitchinterval(0.005)


def except_exception(seconds, work):
    """Restores on an Exception, but a KeyboardInterrupt or SystemExit skips the restore."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        result = work()
    except Exception:
        sys.setswitchinterval(previous)
        raise
    sys.setswitchinterval(previous)
    return result


def reads_after_setting(seconds, work):
    sys.setswitchinterval(seconds)
    previous = sys.getswitchinterval()  # too late: this is the new value
    try:
        return work()
    finally:
        sys.setswitchinterval(previous)


def with_exit_stack(seconds, work):
    """A different correct answer: the restore is registered before the change."""
    with contextlib.ExitStack() as undo:
        undo.callback(sys.setswitchinterval, sys.getswitchinterval())
        sys.setswitchinterval(seconds)
        return work()


@contextlib.contextmanager
def interval(seconds):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def with_a_context_manager(seconds, work):
    """A different correct answer: a context manager of one's own."""
    with interval(seconds):
        return work()


def no_finally(seconds, work):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    result = work()
    sys.setswitchinterval(previous)
    return result


def never_restores(seconds, work):
    sys.setswitchinterval(seconds)
    return work()


def never_sets(seconds, work):
    return work()


def forgets_result(seconds, work):
    reference_run_with_switch_interval(seconds, work)


def swallows(seconds, work):
    try:
        return reference_run_with_switch_interval(seconds, work)
    except Exception:
        return None


@pytest.mark.parametrize(
    "answer", [reference_run_with_switch_interval, with_exit_stack, with_a_context_manager]
)
def test_switch_interval_exercise_accepts_correct_answers(answer) -> None:
    before = sys.getswitchinterval()
    feedback = ex01.check_run_with_switch_interval(answer)
    assert feedback, feedback.message
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (42, "should be a function"),
        (not_started, "not started yet"),
        (never_sets, "call sys.setswitchinterval(seconds) before work()"),
        (never_restores, "put exactly that back"),
        (as_given_in_the_notebook, "the default is not always what was there"),
        (default_in_finally, "the default is not always what was there"),
        (except_exception, "`except Exception:` does not see them"),
        (reads_after_setting, "Read the old value"),
        (forgets_result, "return what work() returned"),
        (swallows, "let the exception propagate"),
        (no_finally, "in a `finally:` block"),
        (lambda seconds, work: None, "work() was never called"),
        (lambda seconds, work: (work(), work())[0], "called 2 times"),
    ],
)
def test_switch_interval_exercise_rejects(answer: object, message: str) -> None:
    before = sys.getswitchinterval()
    feedback = ex01.check_run_with_switch_interval(answer)
    assert not feedback and message in feedback.message
    assert sys.getswitchinterval() == before  # the checker cleans up after a wrong answer


# --- 01, exercise 4: what runs Python in parallel --------------------------------------------

PARALLEL = {"processes", "free-threaded threads", "subinterpreters"}


def test_parallel_python_accepts_the_reference() -> None:
    assert ex01.check_parallel_python(set(PARALLEL))
    assert ex01.check_parallel_python(sorted(PARALLEL))  # a list is fine too
    assert ex01.check_parallel_python(frozenset(PARALLEL))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        ("processes", "should be a set of option names"),
        ({"processes", "gpu"}, "unknown option(s) ['gpu']"),
        (PARALLEL | {"asyncio"}, "'asyncio' does not belong: asyncio interleaves"),
        (PARALLEL | {"pypy threads"}, "PyPy has a GIL"),
        (PARALLEL | {"thread pool"}, "still share one GIL"),
        (PARALLEL | {"threads"}, "take turns"),
        ({"processes", "subinterpreters"}, "'free-threaded threads' is missing"),
        ({"processes", "free-threaded threads"}, "'subinterpreters' is missing"),
        ({"free-threaded threads", "subinterpreters"}, "'processes' is missing"),
        ({"processes"}, "'free-threaded threads' is missing"),  # the textbook answer of 2015
        ({"processes", "threads", "thread pool"}, "'threads' does not belong"),  # "threads = cores"
        ({"processes", "asyncio", "subinterpreters"}, "'asyncio' does not belong"),
    ],
)
def test_parallel_python_rejects(answer: object, message: str) -> None:
    feedback = ex01.check_parallel_python(answer)
    assert not feedback and message in feedback.message
