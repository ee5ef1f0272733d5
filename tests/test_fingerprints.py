"""Refactoring guard: every bundled scenario's measures are those recorded in
``tests/data/fingerprints.json`` (regenerate with ``python -m tests.fingerprints --update``
only in a commit that changes the model on purpose, and say why)."""

import json

import numpy as np
import pytest

from sim.measures import registry
from tests.fingerprints import FILE, fingerprint, fingerprints


@pytest.fixture(scope="module")
def found():
    return fingerprints()


def test_every_bundled_scenario_has_its_recorded_fingerprint(found):
    recorded = json.loads(FILE.read_text(encoding="utf-8"))
    assert sorted(found) == sorted(recorded), "scenarios added or removed: regenerate"
    for name, measures in recorded.items():
        assert sorted(found[name]) == sorted(measures), f"{name}: measures added or removed"
        for measure, expected in measures.items():
            np.testing.assert_allclose(
                found[name][measure], expected, rtol=1e-10, atol=1e-12, err_msg=f"{name} {measure}"
            )


def test_a_changed_value_changes_the_fingerprint():
    values = np.random.default_rng(0).random((3, 4, len(registry())))
    moved = values.copy()
    moved[0, 1, 5], moved[0, 2, 5] = values[0, 2, 5], values[0, 1, 5]
    changed = values.copy()
    changed[2, 3, 7] *= 1 + 1e-8
    base = fingerprint(values)
    for other in (moved, changed):
        assert fingerprint(other) != base
