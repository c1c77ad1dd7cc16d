"""The two threads exercise 3's checker runs under the interleaving lab.

They live alone in this file because the lab steps every line of the file a thread function
is in: here that is these lines and the learner's ``transfer``, nothing of the checker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _thread_a(bank: Any, transfer: Callable[..., object]) -> None:
    """Moves 60 from account 1 to account 2."""
    bank.returned["A"].append(transfer(bank.one, bank.two, 60))


def _thread_b(bank: Any, transfer: Callable[..., object]) -> None:
    """Moves 10 from account 2 to account 1 (the opposite direction), then 60 from 1 to 2."""
    bank.returned["B"].append(transfer(bank.two, bank.one, 10))
    bank.returned["B"].append(transfer(bank.one, bank.two, 60))
