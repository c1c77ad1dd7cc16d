"""The Condition classes notebook 05's demos run on, and the argument shapes they share.

Every demo of the lesson takes the class to run on as ``make_condition`` (``threading.Condition``,
the course's teaching class, or the simplified broken sketch), so the same steps can be shown on
each side by side. The explorer picks one by name from :data:`IMPLEMENTATIONS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from ...core.domains import Choice, Fn, validated
from ...teaching.condition import Condition as TeachingCondition

#: Condition classes the demos and the explorer can run on.
IMPLEMENTATIONS: dict[str, str] = {
    "threading": "threading.Condition (standard library)",
    "teaching": "helpers.teaching Condition (the course's)",
}

#: One of :data:`IMPLEMENTATIONS`.
Implementation = Annotated[str, Choice(IMPLEMENTATIONS)]
#: A Condition class (or any factory of one): called with no argument, or with a lock.
MakeCondition = Annotated[Callable[..., Any], Fn()]


@validated
def condition_class(implementation: Implementation) -> Callable[..., Any]:
    """The Condition class behind an :data:`IMPLEMENTATIONS` key."""
    return threading.Condition if implementation == "threading" else TeachingCondition
