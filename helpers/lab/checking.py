"""What a run checks and reports: the invariant after each step, the final check, the
shown values, and how the run ended (:class:`~helpers.lab.records.Outcome`). A mixin of
:class:`~helpers.lab.engine.Execution`. Standard library only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import primitives as p
from .records import Outcome


class Checks:
    """Checks of a run (the attributes they read are :class:`Execution`'s)."""

    program: Any
    state: Any
    workers: list[Any]
    schedule: list[str]
    outcome: Outcome | None

    def enabled(self) -> list[tuple[Any, str]]:
        raise NotImplementedError

    # --- Checks -----------------------------------------------------------------------------

    def call_user(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call a callback (setup, invariant, check, show): locks must not wait in it."""
        before = getattr(p._tls, "observing", False)
        worker = getattr(p._tls, "worker", None)
        p._tls.observing = True
        if worker is not None:
            worker.observing = True
        try:
            return fn(*args)
        finally:
            p._tls.observing = before
            if worker is not None:
                worker.observing = before

    def _check_invariant(self) -> None:
        invariant = self.program.invariant
        if invariant is None:
            return
        try:
            holds = self.call_user(invariant, self.state)
        except (KeyboardInterrupt, SystemExit, p.Abandon):
            raise
        except Exception as error:
            self.outcome = self._ending(
                "invariant", f"the invariant raised {type(error).__name__}: {error}"
            )
            return
        if not holds:
            self.outcome = self._ending(
                "invariant", f"the invariant is broken after step {len(self.schedule)}"
            )

    def conclude(self) -> Outcome | None:
        """The outcome once nothing can run any more (None while something can)."""
        if self.outcome is not None:
            return self.outcome
        if self.enabled():
            if len(self.schedule) >= self.program.max_steps:
                self.outcome = self._ending(
                    "step-limit", f"stopped after {self.program.max_steps} steps"
                )
                return self.outcome
            return None
        unfinished = [w for w in self.workers if not w.done]
        if unfinished:
            names = ", ".join(w.name for w in unfinished)
            self.outcome = self._ending(
                "deadlock", f"deadlock: {names} blocked, and no wait can time out"
            )
            return self.outcome
        self._check_invariant()
        if self.outcome is not None:
            return self.outcome
        errors = [w.error for w in self.workers if w.error is not None]
        if errors:
            self.outcome = self._ending("exception", "; ".join(str(e) for e in errors))
            return self.outcome
        check = self.program.check
        if check is not None:
            try:
                holds = self.call_user(check, self.state)
            except Exception as error:
                self.outcome = self._ending(
                    "check", f"the check raised {type(error).__name__}: {error}"
                )
                return self.outcome
            if not holds:
                self.outcome = self._ending("check", "the final check failed")
                return self.outcome
        self.outcome = self._ending("finished", "every thread finished")
        return self.outcome

    def values(self) -> dict[str, str]:
        show = self.program.show
        if show is None:
            return {}
        try:
            shown = self.call_user(show, self.state)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:
            return {"(show failed)": f"{type(error).__name__}: {error}"}
        return {str(k): v if isinstance(v, str) else repr(v) for k, v in dict(shown).items()}

    def _ending(self, kind: str, message: str) -> Outcome:
        errors = tuple(w.error for w in self.workers if w.error is not None)
        return Outcome(
            kind,
            message,
            len(self.schedule),
            tuple(self.schedule),
            self.values(),
            errors,
            self.state,
        )
