"""Every interleaving, within a bound: a depth-first search over the scheduler's choices.

Each run starts from scratch (a fresh shared state, fresh threads) and follows a prefix of
choices, then a default (keep running the current thread). After the run, the search goes
back to the deepest choice point with an alternative not yet tried. Two reductions keep it
small, and both are sound:

* **Local steps never branch.** A step that only touches the thread's own frame (see
  :mod:`.stepping`) commutes with every other thread's steps, so the search runs it at once
  and branches only before shared steps and blocking points (and the deadline order of timed
  waits prunes timeouts that could not happen yet).
* **A preemption bound** (CHESS): at most ``preemptions`` switches away from a thread that
  could have gone on. Switches when a thread blocks or ends are free. Most real bugs need
  one or two; ``preemptions=None`` explores every interleaving.

The report: how many interleavings ran, each outcome with its count, and the *shortest*
failing schedule, replayed step by step (that replay also checks the run is deterministic).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from ..core.domains import Bool, Fn, Int, Of, Progress, validated
from . import primitives as p
from .engine import Execution
from .records import Outcome, Program
from .run import Replay, replay
from .session import Session
from .stepping import ALL, EMPTY, LOCAL, independent, union
from .workers import Chooser, Worker

#: The most runs one search makes unless told otherwise (a notebook stays responsive).
MAX_RUNS = 20_000
Failing = Callable[[Outcome], bool]


@dataclass
class _Node:
    enabled: tuple[str, ...]
    current: str | None  # the thread that ran before this choice, if it could go on
    preemptions: int  # switches away from a runnable thread before this choice
    chosen: str
    sleep: dict[str, Any]  # asleep here: thread -> the footprint of its pending step
    where: tuple[Any, ...] = ()  # where each thread stood: a replay must find the same
    tried: list[str] = field(default_factory=list)
    first: dict[str, Any] = field(default_factory=dict)  # tried thread -> its step's footprint


class _DepthFirst(Chooser):
    """Follows the stack's choices, then the default; adds a node at each new branch point.

    With ``sleep_sets`` (sound only without a preemption bound) a thread whose pending step
    commutes with everything run since a sibling choice explored it stays asleep: it is not
    chosen again until a dependent step runs. A run in which only sleeping threads could go
    on is redundant and stops (``self.redundant``).
    """

    def __init__(self, stack: list[_Node], bound: int | None, sleep_sets: bool) -> None:
        self.stack = stack
        self.bound = bound
        self.sleep_sets = sleep_sets
        self.depth = 0
        self.preemptions = 0
        self.redundant = False
        self.base: dict[str, Any] = {}  # asleep as of the last node ...
        self.ran: Any = EMPTY  # ... and everything run since it
        self.awaiting: _Node | None = None  # the node whose chosen thread's first step runs

    def choose(self, execution: Execution, current: Worker | None) -> Worker | None:
        if current is not None:  # the step that just ended
            self.ran = union(self.ran, current.last_fp)
            if self.awaiting is not None:
                self.awaiting.first[self.awaiting.chosen] = current.last_fp
                self.awaiting = None
            if not current.done and current.blocked is None and current.kind == LOCAL:
                return current  # a local step: nothing to decide
        enabled = execution.enabled()
        if not enabled:
            return None
        for worker, how in enabled:
            if how == "run" and worker.kind == LOCAL:
                return worker  # a thread's first steps, when they are local
        asleep = {n: fp for n, fp in self.base.items() if independent(fp, self.ran)}
        awake = [(w, how) for w, how in enabled if w.name not in asleep]
        if not awake:
            self.redundant = True  # every way on was explored from an equivalent state
            return None
        go_on = current if any(w is current and how == "run" for w, how in awake) else None
        if len(awake) == 1:
            return awake[0][0]
        names = tuple(worker.name for worker, _ in awake)
        where = tuple((w.name, how, w.code, w.line, w.opname) for w, how in enabled)
        if self.depth < len(self.stack):
            node = self.stack[self.depth]
            if node.enabled != names or node.where != where:
                raise p.LabError(
                    f"the run is not deterministic: at choice {self.depth + 1} the threads "
                    "stood elsewhere than in the run before with the same choices (does the "
                    "code read the real time, random numbers, or state left over from an "
                    "earlier run?)"
                )
        else:
            default = go_on.name if go_on is not None else names[0]
            node = _Node(
                names, go_on.name if go_on else None, self.preemptions, default, asleep, where
            )
            node.tried.append(default)
            self.stack.append(node)
        self.depth += 1
        if go_on is not None and node.chosen != go_on.name:
            self.preemptions += 1
        if self.sleep_sets:
            self.base = dict(node.sleep)
            for sibling in node.tried[:-1]:  # explored before the one chosen now
                self.base[sibling] = node.first.get(sibling, ALL)
        self.ran = EMPTY
        self.awaiting = node
        return execution.by_name[node.chosen]


def _backtrack(stack: list[_Node], bound: int | None) -> bool:
    """Move to the next untried choice; False when the whole tree is done."""
    while stack:
        node = stack[-1]
        for name in node.enabled:
            if name in node.tried:
                continue
            preempts = node.current is not None and name != node.current
            if preempts and bound is not None and node.preemptions >= bound:
                continue
            node.tried.append(name)
            node.chosen = name
            return True
        stack.pop()
    return False


@dataclass(frozen=True)
class Counterexample:
    """The shortest failing schedule found, replayed: every step, and how it ended."""

    schedule: tuple[str, ...]
    outcome: Outcome
    replay: Replay
    program: Program = field(repr=False)

    @property
    def steps(self) -> tuple[Any, ...]:
        return self.replay.steps

    def table(self, *, group: bool = True) -> str:
        from .report import text_table

        return text_table(self.replay.steps, self.program.names, group=group)

    def html(self, *, group: bool = True) -> str:
        from .report import html_table

        return html_table(self.replay.steps, self.program.names, group=group)


@dataclass(frozen=True)
class Verdict:
    """What a search found. Truthy when nothing failed.

    ``runs``: interleavings run; ``exhausted``: all of them within the bound (not cut off by
    ``max_runs`` or ``stop_on_first``); ``outcomes``: each outcome and how many runs ended so.
    """

    ok: bool
    runs: int
    exhausted: bool
    preemptions: int | None
    granularity: str
    outcomes: dict[str, int]
    counterexample: Counterexample | None
    seconds: float
    first_failure_seconds: float | None
    first_failure_run: int | None
    failing_runs: int
    pruned: int = 0  # runs the sleep sets cut short (each repeats an explored interleaving)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def bound(self) -> str:
        return (
            "no preemption bound"
            if self.preemptions is None
            else (f"at most {self.preemptions} preemption{'s' if self.preemptions != 1 else ''}")
        )

    @property
    def message(self) -> str:
        every = "every interleaving" if self.exhausted else "the first interleavings"
        if self.ok:
            return (
                f"explored {self.runs} interleavings ({every} with {self.bound}, one "
                f"{self.granularity} per step): no violation"
            )
        ce = self.counterexample
        assert ce is not None
        return (
            f"{ce.outcome.message}: found in {self.failing_runs} of {self.runs} interleavings; "
            f"the shortest takes {len(ce.schedule)} steps"
        )

    def __str__(self) -> str:
        lines = [self.message, "outcomes:"]
        lines += [f"  {count:>6} × {key}" for key, count in self.outcomes.items()]
        if self.counterexample is not None:
            lines += ["", self.counterexample.table()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .report import verdict_html

        return verdict_html(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        """The HTML table where HTML renders, the text table (not the dataclass) elsewhere."""
        return {"text/plain": str(self), "text/html": self._repr_html_()}


@validated
def explore(
    program: Annotated[Program, Of(Program)],
    *,
    failing: Annotated[Failing | None, Fn(optional=True)] = None,
    preemptions: Annotated[int | None, Int(0, 20, optional=True)] = 2,
    max_runs: Annotated[int, Int(1, 10_000_000)] = MAX_RUNS,
    stop_on_first: Bool = False,
    progress: Progress = None,
    sleep_sets: Annotated[bool | None, Of((bool, type(None)))] = None,
) -> Verdict:
    """Run ``program`` under every schedule within the bound; the verdict and the shortest
    failing schedule. ``failing(outcome)`` says which outcomes fail (default: any outcome but
    ``"finished"``: a deadlock, a broken invariant or check, an exception, the step limit).

    ``sleep_sets`` (default: on exactly when there is no preemption bound, the only case in
    which they are sound) skips schedules that only reorder steps that commute."""
    if sleep_sets and preemptions is not None:
        raise ValueError("sleep_sets needs preemptions=None (with a bound they are not sound)")
    use_sleep_sets = preemptions is None if sleep_sets is None else sleep_sets
    is_failing: Failing = failing if failing is not None else (lambda outcome: outcome.failed)
    stack: list[_Node] = []
    counts: Counter[str] = Counter()
    shortest: Outcome | None = None
    failures = 0
    first_at: float | None = None
    first_run: int | None = None
    runs = 0
    pruned = 0
    exhausted = False
    started = time.perf_counter()
    session = Session(program).open()
    try:
        while True:
            chooser = _DepthFirst(stack, preemptions, sleep_sets=use_sleep_sets)
            outcome = _one_run(program, session, chooser)
            if outcome is None:
                pruned += 1
            else:
                runs += 1
                counts[outcome.key()] += 1
            if outcome is not None and is_failing(outcome):
                failures += 1
                if first_at is None:
                    first_at, first_run = time.perf_counter() - started, runs
                if shortest is None or len(outcome.schedule) < len(shortest.schedule):
                    shortest = outcome
            if progress is not None and (runs % 50 == 0):
                progress(runs, max_runs)
            if not _backtrack(stack, preemptions):
                exhausted = True
                break
            if runs >= max_runs or (stop_on_first and failures):
                break
    finally:
        session.close()
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(runs, runs)
    counterexample = None
    if shortest is not None:
        replayed = replay(program, list(shortest.schedule))
        if replayed.outcome is None or replayed.outcome.key() != shortest.key():
            raise p.LabError(
                "the run is not deterministic: replaying the failing schedule ended with "
                f"{replayed.outcome.message if replayed.outcome else 'the run unfinished'}, "
                f"not {shortest.message}"
            )
        counterexample = Counterexample(shortest.schedule, replayed.outcome, replayed, program)
    return Verdict(
        shortest is None,
        runs,
        exhausted and not (stop_on_first and failures),
        preemptions,
        program.granularity,
        dict(counts.most_common()),
        counterexample,
        seconds,
        first_at,
        first_run,
        failures,
        pruned,
    )


def _one_run(program: Program, session: Session, chooser: _DepthFirst) -> Outcome | None:
    """One run; None when the sleep sets cut it short (it repeats an explored one)."""
    execution = Execution(program, session, chooser)
    execution.check_every_step = False  # local steps cannot break an invariant on shared state
    try:
        execution.start()
        execution.run_controller(None)
        outcome = execution.conclude()
        assert outcome is not None or chooser.redundant
    finally:
        leftover = execution.close()
    if leftover:
        raise p.LabError(f"threads still running after the run: {leftover}")
    return outcome
