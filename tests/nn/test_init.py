"""nn.init: PyTorch's gains, fans, bounds and standard deviations; in place, under no_grad, seeded."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init


def host(t):
    return np.asarray(t.detach())


GAINS = [
    ("linear", None),
    ("conv2d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("leaky_relu", math.sqrt(5)),
    ("selu", None),
]


@pytest.mark.parametrize(("nonlinearity", "param"), GAINS)
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12
    )


def test_calculate_gain_values_and_errors():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "steep")


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3, 3), (2, 6, 7)])
def test_fan_in_and_fan_out_match_torch(shape):
    torch = pytest.importorskip("torch")
    ours = init._calculate_fan_in_and_fan_out(tg.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(tg.zeros(5))


def test_constant_ones_zeros_fill_in_place_on_parameters():
    p = nn.Parameter(tg.randn(3, 4))
    assert init.constant_(p, 0.25) is p
    np.testing.assert_array_equal(host(p), np.full((3, 4), 0.25))
    init.ones_(p)
    assert (host(p) == 1).all()
    init.zeros_(p)
    assert not host(p).any()
    assert p.requires_grad and p.is_leaf and tg.is_grad_enabled()


def test_uniform_and_normal_statistics():
    tg.manual_seed(0)
    u = init.uniform_(tg.empty(200, 500), -2.0, 3.0)
    values = host(u)
    assert values.min() >= -2 and values.max() <= 3
    np.testing.assert_allclose(values.mean(), 0.5, atol=0.02)
    np.testing.assert_allclose(values.std(), 5 / math.sqrt(12), rtol=0.01)
    n = host(init.normal_(tg.empty(200, 500), 1.0, 0.5))
    np.testing.assert_allclose(n.mean(), 1.0, atol=0.005)
    np.testing.assert_allclose(n.std(), 0.5, rtol=0.01)


def test_xavier_uniform_and_normal():
    tg.manual_seed(1)
    fan_in, fan_out = 300, 200
    gain = init.calculate_gain("tanh")
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    w = host(init.xavier_uniform_(tg.empty(fan_out, fan_in), gain=gain))
    assert np.abs(w).max() <= math.sqrt(3) * std
    np.testing.assert_allclose(w.std(), std, rtol=0.01)
    w = host(init.xavier_normal_(tg.empty(fan_out, fan_in)))
    np.testing.assert_allclose(w.std(), math.sqrt(2 / (fan_in + fan_out)), rtol=0.01)
    np.testing.assert_allclose(w.mean(), 0, atol=0.002)


@pytest.mark.parametrize(("mode", "fan"), [("fan_in", 3 * 5 * 5), ("fan_out", 64 * 5 * 5)])
@pytest.mark.parametrize(
    ("nonlinearity", "a"), [("relu", 0), ("leaky_relu", 0.1), ("leaky_relu", math.sqrt(5))]
)
def test_kaiming_uniform_and_normal(mode, fan, nonlinearity, a):
    tg.manual_seed(2)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = host(init.kaiming_uniform_(tg.empty(64, 3, 5, 5), a=a, mode=mode, nonlinearity=nonlinearity))
    assert np.abs(w).max() <= math.sqrt(3) * std * (1 + 1e-6)
    np.testing.assert_allclose(w.std(), std, rtol=0.03)
    w = host(init.kaiming_normal_(tg.empty(64, 3, 5, 5), a=a, mode=mode, nonlinearity=nonlinearity))
    np.testing.assert_allclose(w.std(), std, rtol=0.03)


def test_kaiming_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(tg.empty(3, 3), mode="fan_avg")


def test_init_is_reproducible_and_keeps_dtype():
    for fill in (init.xavier_uniform_, init.kaiming_normal_, init.normal_, init.uniform_):
        tg.manual_seed(5)
        first = host(fill(tg.empty(4, 6, dtype=tg.float64)))
        tg.manual_seed(5)
        t = fill(tg.empty(4, 6, dtype=tg.float64))
        assert t.dtype == tg.float64
        np.testing.assert_array_equal(first, host(t))


def test_init_bumps_the_version_so_stale_graphs_fail():
    p = nn.Parameter(tg.ones(3))
    y = (p * p).sum()
    init.normal_(p)
    with pytest.raises(RuntimeError):
        y.backward()


def test_trunc_normal_and_eye():
    tg.manual_seed(3)
    w = host(init.trunc_normal_(tg.empty(100, 100), std=1.0, a=-1.0, b=0.5))
    assert w.min() >= -1 and w.max() <= 0.5
    np.testing.assert_array_equal(host(init.eye_(tg.empty(3, 4))), np.eye(3, 4))
