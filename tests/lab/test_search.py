"""The search: bounds, counts, the shortest counterexample, the reductions, determinism."""

from __future__ import annotations

import pytest
from programs import Counter, increment, increment_locked

from helpers.lab import LabError, explore, program, replay


def counter(fn=increment, **options):  # type: ignore[no-untyped-def]
    return program(
        {"A": fn, "B": fn},
        setup=Counter,
        check=lambda c: c.value == 2,
        show=lambda c: {"value": c.value},
        **options,
    )


def test_no_preemption_means_one_interleaving() -> None:
    verdict = explore(counter(), preemptions=0)
    assert (verdict.runs, verdict.ok, verdict.exhausted) == (1, True, True)


def test_the_lost_update_is_found_with_its_counts_and_shortest_schedule() -> None:
    verdict = explore(counter(), preemptions=2)
    assert not verdict.ok and verdict.exhausted
    assert sum(verdict.outcomes.values()) == verdict.runs
    assert any(key.startswith("check") and "value=1" in key for key in verdict.outcomes)
    assert any(key.startswith("finished") and "value=2" in key for key in verdict.outcomes)
    ce = verdict.counterexample
    assert ce is not None and ce.outcome.kind == "check"
    again = replay(counter(), list(ce.schedule))
    assert again.outcome is not None and again.outcome.key() == ce.outcome.key()
    assert "⇄" in ce.table() and "A" in ce.table().splitlines()[0]
    assert "lab-trace" in verdict._repr_html_()


def test_more_preemptions_explore_more_and_the_unbounded_search_covers_the_bounded() -> None:
    runs = [
        explore(counter(increment_locked), preemptions=b, sleep_sets=False).runs for b in (0, 1, 2)
    ]
    assert runs[0] < runs[1] < runs[2]
    bounded = explore(counter(increment_locked), preemptions=2)
    unbounded = explore(counter(increment_locked), preemptions=None, sleep_sets=False)
    assert set(bounded.outcomes) <= set(unbounded.outcomes) and unbounded.runs >= bounded.runs


def test_sleep_sets_reach_every_outcome_of_the_full_search_with_fewer_runs() -> None:
    full = explore(counter(), preemptions=None, sleep_sets=False)
    reduced = explore(counter(), preemptions=None, sleep_sets=True)
    assert set(reduced.outcomes) == set(full.outcomes)
    assert reduced.runs <= full.runs
    assert len(reduced.counterexample.schedule) == len(full.counterexample.schedule)


def test_sleep_sets_with_a_bound_are_refused() -> None:
    with pytest.raises(ValueError, match="sleep_sets"):
        explore(counter(), preemptions=2, sleep_sets=True)


def test_stop_on_first_and_max_runs_say_the_search_was_cut() -> None:
    first = explore(counter(), stop_on_first=True)
    assert not first.ok and not first.exhausted and first.failing_runs == 1
    cut = explore(counter(increment_locked), max_runs=3)
    assert cut.ok and not cut.exhausted and cut.runs == 3
    assert "the first interleavings" in cut.message


RUNS: list[int] = []


def differs_each_run(c: Counter) -> None:
    RUNS.append(1)
    if len(RUNS) % 2:  # state left over from the previous run changes what happens
        with c.lock:
            c.value += 1
    else:
        c.value += 1


def test_a_program_that_is_not_deterministic_is_refused() -> None:
    RUNS.clear()
    with pytest.raises(LabError, match="not deterministic"):
        explore(program({"A": differs_each_run, "B": increment_locked}, setup=Counter))


def test_a_verdict_is_shown_as_html_and_as_its_text_table() -> None:
    verdict = explore(counter(), failing=lambda outcome: outcome.kind == "check")
    bundle = verdict._repr_mimebundle_()
    assert bundle["text/plain"] == str(verdict) and verdict.counterexample is not None
    assert verdict.counterexample.table() in bundle["text/plain"]  # not the dataclass repr
    assert "lab-verdict" in bundle["text/html"]
