"""helpers.lessons.gil.features: what the running interpreter offers, evaluated live."""

from __future__ import annotations

import sys

from helpers.core import machine
from helpers.lessons.gil import features as gil_features


def test_interpreter_features_are_evaluated_live() -> None:
    features = gil_features.interpreter_features()
    assert features.has_is_gil_enabled == hasattr(sys, "_is_gil_enabled")
    assert features.gil_enabled == machine.gil_enabled()
    assert features.free_threaded_build == machine.free_threaded_build()
    assert features.interpreter_pool == (sys.version_info >= (3, 14))
    text = str(features)
    assert "_is_gil_enabled" in text and "PEP 734" in text
