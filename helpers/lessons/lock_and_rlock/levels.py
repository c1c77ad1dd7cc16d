# ruff: noqa: SIM117  -- nested `with`: at one line per step, each lock is its own step
"""Interleaving-lab levels for lesson 04: be the scheduler that deadlocks two locks.

:data:`OPPOSITE_ORDER`: one thread takes ``lock_a`` then ``lock_b``, the other ``lock_b`` then
``lock_a``. Make them deadlock. Fixed: one global order (both take ``lock_a`` first), proven
over every interleaving; a second correct answer orders the two locks by ``id``.
"""

from __future__ import annotations

import threading
from typing import Any

from ...lab.levels import Level, reach_deadlock


class Accounts:
    """Two accounts, each with its own lock; ``moved`` counts finished transfers."""

    def __init__(self) -> None:
        self.lock_a = threading.Lock()
        self.lock_b = threading.Lock()
        self.moved = 0


def transfer_a_to_b(accounts: Accounts) -> None:
    with accounts.lock_a:
        with accounts.lock_b:
            accounts.moved += 1


def transfer_b_to_a(accounts: Accounts) -> None:
    with accounts.lock_b:  # the opposite order: b, then a
        with accounts.lock_a:
            accounts.moved += 1


def transfer_b_to_a_ordered(accounts: Accounts) -> None:
    with accounts.lock_a:  # the fix: every thread takes lock_a first
        with accounts.lock_b:
            accounts.moved += 1


def transfer_by_id(accounts: Accounts) -> None:
    """Another correct answer: whatever the direction, take the lock with the lower id first."""
    first, second = sorted((accounts.lock_b, accounts.lock_a), key=id)
    with first:
        with second:
            accounts.moved += 1


def show_accounts(accounts: Accounts) -> dict[str, Any]:
    return {"lock_a": accounts.lock_a, "lock_b": accounts.lock_b, "moved": accounts.moved}


OPPOSITE_ORDER = Level(
    key="opposite_order",
    title="Deadlock two locks",
    threads={"A": transfer_a_to_b, "B": transfer_b_to_a},
    setup=Accounts,
    show=show_accounts,
    check=lambda accounts: accounts.moved == 2,
    goal=reach_deadlock("each thread holds one lock and waits for the other's: a deadlock"),
    hint="Let A take lock_a, then switch: let B take lock_b. Now who can go on?",
    granularity="line",
    fixed={"A": transfer_a_to_b, "B": transfer_b_to_a_ordered},
    fix="One lock order for every thread: both take lock_a before lock_b, so no thread can "
    "hold lock_b while it waits for lock_a.",
    also_fixed=(("by id", {"A": transfer_by_id, "B": transfer_by_id}, None),),
)

LEVELS = (OPPOSITE_ORDER,)
