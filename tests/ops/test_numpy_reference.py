"""Forward values without PyTorch: every registry entry against its NumPy reference (written from
the op's definition), over hypothesis-drawn cases. gradcheck proves that backward agrees with
forward; this proves forward is right."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu.testing.registry import REGISTRY

SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


@pytest.mark.parametrize("entry", [e for e in REGISTRY if e.reference is not None], ids=lambda e: e.name)
@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_forward_matches_numpy_reference(entry, data):
    entry.check_forward(data.draw(entry.cases.hypothesis(), label="case"))
