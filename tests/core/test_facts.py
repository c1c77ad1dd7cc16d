"""The comparison table: one set of facts checked on several implementations."""

from __future__ import annotations

from helpers.core.facts import fact_table


def test_fact_table_counts_a_raising_check_as_false() -> None:
    def boom(_: object) -> bool:
        raise RuntimeError

    table = fact_table([("raises", boom), ("holds", lambda _: True)], {"x": object})
    assert table.column("x") == {"raises": False, "holds": True}
