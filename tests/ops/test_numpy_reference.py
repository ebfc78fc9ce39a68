"""Forward values without PyTorch: every registry entry against its NumPy reference (written from
the op's definition), over hypothesis-drawn cases. gradcheck proves that backward agrees with
forward; this proves forward is right."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu.testing.registry import REGISTRY

TOLERANCES = {
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-6, "atol": 1e-6},
}
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


@pytest.mark.parametrize("entry", [e for e in REGISTRY if e.reference is not None], ids=lambda e: e.name)
@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_forward_matches_numpy_reference(entry, data):
    case = data.draw(entry.cases.hypothesis(), label="case")
    ours = _as_list(entry(case, entry.tensors(case)))
    expected = _as_list(entry.reference(*entry.arrays(case), **case.params))
    assert len(ours) == len(expected), f"{len(ours)} outputs, the reference has {len(expected)}"
    for k, (tensor, array) in enumerate(zip(ours, expected)):
        got, array = tensor.detach().numpy(), np.asarray(array)
        assert got.shape == array.shape, f"output {k}: shape {got.shape}, the reference's {array.shape}"
        assert got.dtype == array.dtype, f"output {k}: dtype {got.dtype}, the reference's {array.dtype}"
        np.testing.assert_allclose(got, array, **TOLERANCES[got.dtype], err_msg=f"output {k}")
