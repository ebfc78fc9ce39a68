"""gradcheck (and gradgradcheck) of every op in the registry, over hypothesis-drawn shapes."""

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing.registry import REGISTRY

TOLERANCES = {"atol": 1e-5, "rtol": 1e-3}
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


def _check(check, entry, case):
    tensors = entry.tensors(case)
    with warnings.catch_warnings():
        # float32 entries (casts) are checked with a wide step; the warning about them is expected
        warnings.filterwarnings("ignore", message="gradcheck: input .* not float64")
        assert check(lambda *ts: entry(case, ts), tensors, eps=entry.eps, **TOLERANCES)


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.name)
@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_gradcheck(entry, data):
    case = data.draw(entry.cases.hypothesis(), label="case")
    _check(tg.gradcheck, entry, case)


@pytest.mark.parametrize("entry", [e for e in REGISTRY if e.twice_differentiable], ids=lambda e: e.name)
@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_gradgradcheck(entry, data):
    case = data.draw(entry.cases.hypothesis(), label="case")
    _check(tg.gradgradcheck, entry, case)
