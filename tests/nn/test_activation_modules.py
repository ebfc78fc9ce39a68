"""Activation modules: same values, gradients and repr as torch.nn's."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

CASES = [
    ("ReLU", (), {}),
    ("ReLU", (), {"inplace": True}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("ELU", (), {}),
    ("ELU", (0.5,), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("Softplus", (), {}),
    ("Softplus", (2.0, 5.0), {}),
    ("Softmax", (1,), {}),
    ("Softmax", (0,), {}),
    ("LogSoftmax", (1,), {}),
    ("LogSoftmax", (-1,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_activation_module_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5)) * 3
    x[np.abs(x) < 1e-3] = 0.5  # away from the kinks at 0
    upstream = rng.standard_normal((4, 5))
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo = ours(xo)
    yt = theirs(xt.clone() if kwargs.get("inplace") else xt)
    np.testing.assert_allclose(np.asarray(yo.detach()), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    (yo * tg.tensor(upstream)).sum().backward()
    (yt * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(np.asarray(xo.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_uses_pytorchs_implicit_choice(name):
    torch = pytest.importorskip("torch")
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        x = np.random.default_rng(0).standard_normal(shape)
        with pytest.warns(UserWarning, match="implicit"):
            ours = getattr(nn, name)()(tg.tensor(x))
        with pytest.warns(UserWarning):
            theirs = getattr(torch.nn, name)()(torch.tensor(x))
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-12)


def test_activation_modules_have_no_parameters_and_work_in_sequential():
    layers = [nn.ReLU(), nn.LeakyReLU(), nn.Sigmoid(), nn.Tanh(), nn.ELU(), nn.GELU(), nn.Softplus()]
    model = nn.Sequential(*layers, nn.Softmax(dim=1))
    assert list(model.parameters()) == []
    out = model(tg.randn(3, 4))
    np.testing.assert_allclose(np.asarray(out.sum(1).detach()), np.ones(3), rtol=1e-6)
