"""Layers against PyTorch: Linear, Identity, Flatten, Dropout, BatchNorm1d/2d, Conv2d, pooling."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

RNG = np.random.default_rng(1234)


def host(t):
    return np.asarray(t.detach())


def copy_from_torch(ours, theirs):
    """Load a torch module's state dict into ours (float64 both), as a user would."""
    theirs.double()
    ours.double().load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def compare_forward_backward(ours, theirs, x, rtol=1e-10, atol=1e-12):
    """Output, input gradient and parameter gradients of ours vs torch, for a random upstream gradient."""
    torch = pytest.importorskip("torch")
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o, out_t = ours(xo), theirs(xt)
    np.testing.assert_allclose(host(out_o), out_t.detach().numpy(), rtol=rtol, atol=atol)
    upstream = RNG.standard_normal(out_t.shape)
    (out_o * tg.tensor(upstream)).sum().backward()
    (out_t * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(np.asarray(xo.grad), xt.grad.numpy(), rtol=rtol, atol=atol)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            np.asarray(p.grad), torch_params[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


# ---- Linear -------------------------------------------------------------------------------------------


def test_linear_shapes_and_repr():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert layer(tg.randn(7, 5)).shape == (7, 3)
    assert layer(tg.randn(2, 4, 5)).shape == (2, 4, 3)
    assert layer(tg.randn(5)).shape == (3,)
    assert repr(nn.Linear(5, 3, bias=False)) == "Linear(in_features=5, out_features=3, bias=False)"
    assert nn.Linear(5, 3, bias=False).bias is None


def test_linear_rejects_wrong_input_width():
    with pytest.raises(ValueError, match="linear"):
        nn.Linear(5, 3)(tg.randn(2, 4))


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    for bias in (True, False):
        ours, theirs = nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias)
        copy_from_torch(ours, theirs)
        compare_forward_backward(ours, theirs, RNG.standard_normal((6, 4)))
        compare_forward_backward(ours, theirs, RNG.standard_normal((2, 5, 4)))


def test_linear_default_init_is_pytorchs():
    """Weight and bias ~ U(−1/√in, 1/√in): kaiming_uniform_(a=√5) gives exactly that bound."""
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = host(layer.weight), host(layer.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
    np.testing.assert_allclose(w.mean(), 0, atol=0.01 * bound)
    np.testing.assert_allclose(b.std(), bound / math.sqrt(3), rtol=0.15)


def test_linear_init_follows_manual_seed():
    tg.manual_seed(7)
    first = host(nn.Linear(3, 3).weight)
    tg.manual_seed(7)
    second = host(nn.Linear(3, 3).weight)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, host(nn.Linear(3, 3).weight))


def test_linear_device_and_dtype_arguments(device):
    layer = nn.Linear(2, 2, device="cpu", dtype=tg.float64)
    assert layer.weight.device == "cpu" and layer.weight.dtype == tg.float64
    assert nn.Linear(2, 2).weight.device == device


# ---- Identity, Flatten ---------------------------------------------------------------------------------


def test_identity_returns_its_input():
    x = tg.randn(3, 2)
    assert nn.Identity(54, unused="anything")(x) is x
    assert repr(nn.Identity()) == "Identity()"


@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(start, end):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 4, 5))
    ours = nn.Flatten(start, end)(tg.tensor(x))
    theirs = torch.nn.Flatten(start, end)(torch.tensor(x))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(host(ours), theirs.numpy())
    assert repr(nn.Flatten(start, end)) == repr(torch.nn.Flatten(start, end))


# ---- Dropout -------------------------------------------------------------------------------------------


def test_dropout_training_zeros_and_rescales():
    tg.manual_seed(3)
    x = tg.ones(200, 500)
    y = host(nn.Dropout(0.3)(x))
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)


def test_dropout_is_identity_in_eval_and_for_p_zero():
    x = tg.randn(4, 4)
    drop = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(host(drop(x)), host(x))
    np.testing.assert_array_equal(host(nn.Dropout(0.0)(x)), host(x))
    assert not host(nn.Dropout(1.0)(x)).any()


def test_dropout_is_reproducible_with_manual_seed():
    x = tg.ones(10, 10)
    tg.manual_seed(11)
    first = host(nn.Dropout(0.5)(x))
    tg.manual_seed(11)
    second = host(nn.Dropout(0.5)(x))
    np.testing.assert_array_equal(first, second)


def test_dropout_gradient_is_the_scaled_mask():
    x = tg.ones(50, 50, requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), host(y), rtol=1e-6)


def test_dropout_rejects_bad_probability_and_repr():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


# ---- BatchNorm -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(8, 4), (6, 4, 5)])
def test_batchnorm1d_training_forward_backward_matches_torch(shape):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    with torch.no_grad():  # non-trivial affine parameters
        theirs.weight.copy_(torch.tensor(RNG.uniform(0.5, 2, 4)))
        theirs.bias.copy_(torch.tensor(RNG.standard_normal(4)))
    copy_from_torch(ours, theirs)
    compare_forward_backward(ours, theirs, RNG.standard_normal(shape) * 3 + 1, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)])
def test_batchnorm1d_running_stats_and_eval_match_torch(momentum, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    copy_from_torch(ours, theirs)
    for _ in range(4):
        x = RNG.standard_normal(shape) * 2 + 3
        np.testing.assert_allclose(
            host(ours(tg.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-10
        )
    np.testing.assert_allclose(host(ours.running_mean), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 4
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal(shape)
    np.testing.assert_allclose(host(ours(tg.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    before = host(ours.running_mean).copy()
    ours(tg.tensor(x))
    np.testing.assert_array_equal(host(ours.running_mean), before)  # eval does not update


def test_batchnorm1d_eval_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        theirs.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
        theirs.running_var.copy_(torch.tensor([2.0, 0.5, 1.5]))
    copy_from_torch(ours, theirs)
    ours.eval()
    theirs.eval()
    compare_forward_backward(ours, theirs, RNG.standard_normal((5, 3)))


@pytest.mark.parametrize(("affine", "track"), [(False, True), (True, False), (False, False)])
def test_batchnorm1d_options_match_torch(affine, track):
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm1d(3, affine=affine, track_running_stats=track)
    theirs = torch.nn.BatchNorm1d(3, affine=affine, track_running_stats=track)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    copy_from_torch(ours, theirs)
    compare_forward_backward(ours, theirs, RNG.standard_normal((6, 3)), rtol=1e-9, atol=1e-10)
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal((6, 3))
    np.testing.assert_allclose(host(ours(tg.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9)


def test_batchnorm1d_gradcheck():
    bn = nn.BatchNorm1d(3).double()
    with tg.no_grad():
        bn.weight.copy_(tg.tensor([1.5, 0.5, 2.0], dtype=tg.float64))
    x = tg.tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    assert tg.gradcheck(lambda x: bn(x), (x,))


def test_batchnorm2d_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(2), torch.nn.BatchNorm2d(2)
    copy_from_torch(ours, theirs)
    compare_forward_backward(ours, theirs, RNG.standard_normal((3, 2, 4, 4)), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(), rtol=1e-12)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="2D or 3D"):
        nn.BatchNorm1d(3)(tg.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm1d(3)(tg.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))
    nn.BatchNorm1d(3).eval()(tg.randn(1, 3))  # a single sample is fine in eval


def test_batchnorm_buffers_move_with_the_module():
    bn = nn.BatchNorm1d(2).to("cuda")
    assert bn.running_mean.device == "cuda" and bn.num_batches_tracked.device == "cuda"
    bn(tg.randn(4, 2, device="cuda"))
    assert int(bn.num_batches_tracked.item()) == 1


# ---- Conv2d and pooling ------------------------------------------------------------------------------


def test_conv2d_shapes_init_and_repr():
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    conv = nn.Conv2d(8, 16, kernel_size=3, padding=1)
    assert conv.weight.shape == (16, 8, 3, 3) and conv.bias.shape == (16,)
    bound = 1 / math.sqrt(8 * 3 * 3)
    w = host(conv.weight)
    assert np.abs(w).max() <= bound and np.abs(host(conv.bias)).max() <= bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.05)
    assert conv(tg.randn(2, 8, 5, 5)).shape == (2, 16, 5, 5)
    for args, kwargs in [((3, 4, 3), {}), ((1, 2, (3, 5)), {"stride": 2, "padding": (1, 2), "bias": False})]:
        assert repr(nn.Conv2d(*args, **kwargs)) == repr(torch.nn.Conv2d(*args, **kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2},
        {"padding": 1},
        {"stride": 2, "padding": 2, "bias": False},
        {"dilation": 2},
        {"groups": 2},
    ],
)
def test_conv2d_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Conv2d(2, 4, 3, **kwargs), torch.nn.Conv2d(2, 4, 3, **kwargs)
    copy_from_torch(ours, theirs)
    compare_forward_backward(ours, theirs, RNG.standard_normal((2, 2, 7, 6)), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, None, 0), (3, 1, 1), (3, 2, 1)])
def test_pooling_matches_torch(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 7, 7))
    for ours, theirs in [
        (nn.MaxPool2d(kernel, stride, padding), torch.nn.MaxPool2d(kernel, stride, padding)),
        (nn.AvgPool2d(kernel, stride, padding), torch.nn.AvgPool2d(kernel, stride, padding)),
    ]:
        assert repr(ours) == repr(theirs)
        compare_forward_backward(ours, theirs, x)


def test_small_cnn_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(4, 3),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 4, 3),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
    )
    copy_from_torch(ours, theirs)
    compare_forward_backward(ours, theirs, RNG.standard_normal((3, 1, 8, 8)), rtol=1e-9, atol=1e-10)
