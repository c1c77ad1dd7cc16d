"""The records the lab passes around: a :class:`Program` (what runs) and an :class:`Outcome`
(how a run ended). Standard library only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .stepping import Stepping

GRANULARITIES = ("instruction", "line")


@dataclass(frozen=True)
class Program:
    """What a run runs. Build one with :func:`helpers.lab.program` (it checks the arguments)."""

    threads: tuple[tuple[str, Callable[..., Any]], ...]
    setup: Callable[[], Any] | None = None
    invariant: Callable[[Any], Any] | None = None
    check: Callable[[Any], Any] | None = None
    show: Callable[[Any], Any] | None = None
    granularity: str = "instruction"
    step: tuple[Any, ...] = ()
    max_steps: int = 2000
    step_timeout: float = 2.0
    stepping: Stepping = field(compare=False, repr=False, default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.stepping is None:
            stepping = Stepping([fn for _, fn in self.threads], self.step)
            object.__setattr__(self, "stepping", stepping)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.threads)


@dataclass(frozen=True)
class ThreadError:
    thread: str
    type: str
    message: str
    line: str  # where it was raised, in the code under test

    def __str__(self) -> str:
        return f"{self.thread} raised {self.type}: {self.message}" + (
            f" (at {self.line})" if self.line else ""
        )


@dataclass(frozen=True)
class Outcome:
    """How a run ended.

    ``kind``: ``"finished"`` (every thread returned, the checks held), ``"deadlock"``,
    ``"invariant"`` (broken after step ``steps``), ``"check"`` (the final check failed),
    ``"exception"`` (a thread raised), ``"step-limit"``.
    """

    kind: str
    message: str
    steps: int
    schedule: tuple[str, ...]
    values: dict[str, str] = field(default_factory=dict)
    errors: tuple[ThreadError, ...] = ()
    state: Any = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return self.kind != "finished"

    def key(self) -> str:
        """What tells outcomes apart in a search's count: the kind, errors and final values."""
        parts = [self.kind]
        parts += [f"{e.thread}: {e.type}" for e in self.errors]
        parts += [f"{name}={value}" for name, value in self.values.items()]
        return ", ".join(parts)
