"""A level of the interleaving lab: broken threads, a goal to reach, and the proven fix.

A lesson's ``levels.py`` defines a few :class:`Level` values. Each has the threads (functions
of the shared state), ``setup`` (a fresh shared state per run), what to ``show``, the ``goal``
(a sentence and a test of how a run ended: "the final count is 1", "a deadlock"), a hint, the
granularity and the modules to step, and the course's correct version (``fixed``: other
threads, or the same threads over another ``fixed_setup``). ``level.search()`` finds the
shortest schedule that reaches the goal; ``level.prove_fixed()`` shows that no schedule of
the fixed version reaches it, or fails in any other way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from ..core.domains import Bool, Fn, Int, Of, Text, validated
from .prove import _threads, program
from .records import Outcome, Program
from .run import replay
from .search import Verdict, explore


@dataclass(frozen=True)
class Goal:
    """What the learner tries to make happen: a sentence, and a test of a run's outcome."""

    sentence: str
    test: Callable[[Outcome], bool]

    def __call__(self, outcome: Outcome) -> bool:
        return bool(self.test(outcome))


@validated
def reach_final(sentence: Text, predicate: Annotated[Callable[[Any], Any], Fn()]) -> Goal:
    """A goal reached when every thread has ended and ``predicate(state)`` holds."""
    return Goal(
        sentence,
        lambda o: o.kind in ("finished", "check", "exception") and bool(predicate(o.state)),
    )


@validated
def reach_deadlock(sentence: Text = "reach a deadlock") -> Goal:
    return Goal(sentence, lambda o: o.kind == "deadlock")


@validated
def reach_exception(sentence: Text, exception: Text) -> Goal:
    """A goal reached when some thread raises ``exception`` (a type name: ``"IndexError"``)."""
    return Goal(sentence, lambda o: any(e.type == exception for e in o.errors))


@dataclass(frozen=True)
class LevelReport:
    """What :meth:`Level.verify` found."""

    level: str
    search: Verdict
    same_replays: int  # how many replays in a row ended as the counterexample did
    replays: int
    fixed: dict[str, Verdict]

    @property
    def ok(self) -> bool:
        return (
            self.search.counterexample is not None
            and self.same_replays == self.replays
            and all(v.ok and v.exhausted for v in self.fixed.values())
        )

    def __str__(self) -> str:
        ce = self.search.counterexample
        lines = [
            f"{self.level}: goal {'reached' if ce else 'NOT reached'} ({self.search.message})",
            f"  replays: {self.same_replays}/{self.replays} ended the same way",
        ]
        lines += [f"  fixed [{name}]: {v.message}" for name, v in self.fixed.items()]
        return "\n".join(lines)


ThreadsLike = Mapping[str, Callable[..., Any]] | Sequence[Callable[..., Any]]


@dataclass(frozen=True)
class Level:
    """One level. ``fixed`` / ``fixed_setup`` / ``fixed_step`` describe the correct version
    (each defaults to the broken one's); ``also_fixed`` lists further correct versions as
    ``(name, threads, setup)`` (the standard and the teaching class, say)."""

    key: str
    title: str
    threads: ThreadsLike
    setup: Callable[[], Any]
    goal: Goal
    hint: str
    show: Callable[[Any], Any] | None = None
    check: Callable[[Any], Any] | None = None
    invariant: Callable[[Any], Any] | None = None
    granularity: str = "instruction"
    step: tuple[str, ...] = ()
    fixed: ThreadsLike | None = None
    fixed_setup: Callable[[], Any] | None = None
    fixed_step: tuple[str, ...] | None = None
    fix: str = ""  # the fix, in one sentence
    also_fixed: tuple[tuple[str, ThreadsLike | None, Callable[[], Any] | None], ...] = ()
    preemptions: int | None = 2
    max_steps: int = 2000
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _threads(self.threads, "threads")
        if self.fixed is not None:
            _threads(self.fixed, "fixed")

    def program(self, *, fixed: bool = False, granularity: str | None = None) -> Program:
        """The broken program (or the fixed one), at the level's granularity or another."""
        return self._program(
            self.fixed if fixed and self.fixed is not None else self.threads,
            self.fixed_setup if fixed and self.fixed_setup is not None else self.setup,
            self.fixed_step if fixed and self.fixed_step is not None else self.step,
            granularity or self.granularity,
        )

    def _program(
        self,
        threads: ThreadsLike,
        setup: Callable[[], Any] | None,
        step: Sequence[str],
        granularity: str,
    ) -> Program:
        return program(
            threads,
            setup=setup,
            invariant=self.invariant,
            check=self.check,
            show=self.show,
            granularity=granularity,
            step=list(step),
            max_steps=self.max_steps,
        )

    def fixed_programs(self, granularity: str = "instruction") -> dict[str, Program]:
        """Every correct version, by name: ``"fixed"`` and each of ``also_fixed``."""
        found = {"fixed": self.program(fixed=True, granularity=granularity)}
        for name, threads, setup in self.also_fixed:
            found[name] = self._program(
                threads if threads is not None else (self.fixed or self.threads),
                setup if setup is not None else (self.fixed_setup or self.setup),
                self.fixed_step if self.fixed_step is not None else self.step,
                granularity,
            )
        return found

    def failing(self, outcome: Outcome) -> bool:
        """For the fixed version: the goal, or any failure at all."""
        return self.goal(outcome) or outcome.failed

    @validated
    def search(self, *, again: Bool = False) -> Verdict:
        """Every interleaving of the broken threads within the bound; the shortest that
        reaches the goal (cached: a level is searched once per kernel unless ``again``)."""
        if again or "search" not in self._cache:
            self._cache["search"] = explore(
                self.program(), failing=self.goal, preemptions=self.preemptions
            )
        return self._cache["search"]

    @validated
    def prove_fixed(
        self, *, granularity: Annotated[str, Of(str)] = "instruction", again: Bool = False
    ) -> dict[str, Verdict]:
        """Every correct version over every interleaving within the bound, one instruction
        per step by default (finer than any line): no goal, no failure of any kind."""
        key = f"prove-{granularity}"
        if again or key not in self._cache:
            self._cache[key] = {
                name: explore(built, failing=self.failing, preemptions=self.preemptions)
                for name, built in self.fixed_programs(granularity).items()
            }
        return self._cache[key]

    @validated
    def verify(self, *, replays: Annotated[int, Int(1, 10_000)] = 100) -> LevelReport:
        """Everything a level promises, checked: the search reaches the goal, its shortest
        schedule replays to the same outcome ``replays`` times in a row, and every correct
        version holds over the whole search. For tests and for the lead's notebook checks."""
        verdict = self.search()
        ce = verdict.counterexample
        same = 0
        if ce is not None:
            for _ in range(replays):
                outcome = replay(self.program(), list(ce.schedule)).outcome
                if outcome is None or outcome.key() != ce.outcome.key() or not self.goal(outcome):
                    break
                same += 1
        return LevelReport(self.key, verdict, same, replays, self.prove_fixed())

    def scheduler(self, **options: Any) -> Any:
        """The "be the scheduler" widget for this level (see :mod:`helpers.lab.widget`)."""
        from .widget import Scheduler

        return Scheduler(self, **options)
