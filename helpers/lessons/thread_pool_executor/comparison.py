"""Every scenario of :mod:`.scenarios` on every pool, in one table: how the syllabus's sketches
fail where the teaching and the standard executor do not.

:func:`compare` runs them (each bounded, each leaving nothing behind); the
:class:`Comparison` it returns shows as a table in a notebook and as text elsewhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from ...core.domains import Choice, Items, Progress, validated
from .scenarios import POOLS, SCENARIOS, SKETCHES, Outcome, Patience, run_scenario


@dataclass(frozen=True, repr=False)
class Comparison:
    """Every scenario on every pool; displays as a table in a notebook."""

    pools: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = field(default=())

    def outcome(self, scenario: str, pool: str) -> Outcome:
        for outcome in self.outcomes:
            if (outcome.scenario, outcome.pool) == (scenario, pool):
                return outcome
        raise KeyError((scenario, pool))

    def passed(self, pool: str) -> list[str]:
        return [o.scenario for o in self.outcomes if o.pool == pool and o.ok]

    def failed(self, pool: str) -> list[str]:
        return [o.scenario for o in self.outcomes if o.pool == pool and not o.ok]

    def _footer(self) -> str:
        if not set(self.pools) & set(SKETCHES):
            return ""
        return (
            "After each scenario the demo stops the sketches' threads itself (their flag plus "
            "one sentinel per thread) and joins them: their own shutdown cannot be trusted."
        )

    def _scenarios(self) -> list[str]:
        return list(dict.fromkeys(o.scenario for o in self.outcomes))

    @staticmethod
    def _cell_text(outcome: Outcome) -> str:
        extra = []
        if outcome.died:
            extra.append(f"worker died: {', '.join(outcome.died)}")
        suffix = f" [{'; '.join(extra)}]" if extra else ""
        return f"{'✔' if outcome.ok else '✘'} {outcome.detail}{suffix}"

    def __str__(self) -> str:
        lines = []
        for scenario in self._scenarios():
            lines.append(f"{scenario}: {SCENARIOS[scenario][0]}")
            for pool in self.pools:
                lines.append(f"    {pool:<18} {self._cell_text(self.outcome(scenario, pool))}")
        return "\n".join([*lines, self._footer()]).strip()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(p)}</th>" for p in self.pools)
        rows = []
        for scenario in self._scenarios():
            cells = []
            for pool in self.pools:
                outcome = self.outcome(scenario, pool)
                colour = "#009E73" if outcome.ok else "#D55E00"
                cells.append(
                    f"<td style='text-align:left;vertical-align:top;color:{colour}'>"
                    f"{html.escape(self._cell_text(outcome))}</td>"
                )
            question = html.escape(SCENARIOS[scenario][0])
            rows.append(
                f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(scenario)}"
                f"<br><span style='font-weight:normal'>{question}</span></th>{''.join(cells)}</tr>"
            )
        footer = f"<p>{html.escape(self._footer())}</p>" if self._footer() else ""
        return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>{footer}"


@validated
def compare(
    pools: Annotated[Sequence[str], Items(Choice(POOLS), what="pool")] = tuple(POOLS),
    scenarios: Annotated[Sequence[str], Items(Choice(SCENARIOS), what="scenario")] = tuple(
        SCENARIOS
    ),
    *,
    patience: Patience = 0.3,
    progress: Progress = None,
) -> Comparison:
    """Run every scenario on every pool. A failure costs about ``patience`` seconds."""
    outcomes = []
    total = len(pools) * len(scenarios)
    for scenario in scenarios:
        for pool in pools:
            outcomes.append(run_scenario(scenario, pool, patience))
            if progress is not None:
                progress(len(outcomes), total)
    return Comparison(pools=tuple(pools), outcomes=tuple(outcomes))
