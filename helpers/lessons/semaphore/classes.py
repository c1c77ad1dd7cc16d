"""The Semaphore classes notebook 06's demos run on, and the argument shapes they share.

Every demo of the lesson takes the class to run on as ``make_semaphore`` (a class, or any
factory called with the start value), so the same steps can be shown on ``threading``'s
semaphores, the course's teaching ones and the syllabus's broken sketch side by side. The
explorer picks one by name from :data:`IMPLEMENTATIONS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from ...core.domains import Choice, Fn, Int, validated
from ...teaching.semaphore import BoundedSemaphore as TeachingBoundedSemaphore

#: Semaphore classes the pool demos can run on.
IMPLEMENTATIONS: dict[str, str] = {
    "threading": "threading.BoundedSemaphore (standard library)",
    "teaching": "helpers.teaching BoundedSemaphore (the course's)",
}

#: One of :data:`IMPLEMENTATIONS`.
Implementation = Annotated[str, Choice(IMPLEMENTATIONS)]
#: A Semaphore class (or any factory of one), called with the start value.
MakeSemaphore = Annotated[Callable[[int], Any], Fn()]
#: A semaphore's permits in a demo: 1 to 32.
Permits = Annotated[int, Int(1, 32)]


@validated
def semaphore_class(implementation: Implementation) -> Callable[[int], Any]:
    """The BoundedSemaphore class behind an :data:`IMPLEMENTATIONS` key."""
    return threading.BoundedSemaphore if implementation == "threading" else TeachingBoundedSemaphore
