"""Test set-up that makes sloppy numerics fail: precision restored after every test, hypothesis profiles."""

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

# "ci" draws the same examples on every run (a red CI names a change, not a lucky draw); "thorough" explores
settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    dps = mpmath.mp.dps
    yield
    assert mpmath.mp.dps == dps, f"a test or the code under test left mpmath.mp.dps = {mpmath.mp.dps} (was {dps})"
    mpmath.mp.dps = dps
