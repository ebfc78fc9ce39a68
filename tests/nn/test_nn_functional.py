"""``nn.functional`` beyond the losses: convolution and pooling against PyTorch over stride/padding
combinations, unfold/fold, pad, linear, the activations, dropout's statistics, and the errors.

(Named ``test_nn_functional.py``: ``tests/autograd/test_functional.py`` already has the short name.)
"""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    """PyTorch, the oracle (the tests that need it skip where it is not installed)."""
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


def _leaves(torch, *arrays):
    """Each array as a leaf of ours and of PyTorch's that requires grad: ([ours...], [theirs...])."""
    return (
        [tg.tensor(a, requires_grad=True) for a in arrays],
        [torch.tensor(a, requires_grad=True) for a in arrays],
    )


def _same_values_and_grads(ours, theirs, ours_in, theirs_in, rtol=1e-10, atol=1e-12):
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=rtol, atol=atol)
    weights = rng.standard_normal(ours.shape)
    (ours * tg.tensor(weights, dtype=ours.dtype)).sum().backward()
    (theirs * theirs.new_tensor(weights)).sum().backward()
    for k, (mine, reference) in enumerate(zip(ours_in, theirs_in)):
        np.testing.assert_allclose(
            _np(mine.grad), reference.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient {k}"
        )


# ---- convolution ---------------------------------------------------------------------------------------

CONV_SETTINGS = [
    # (in_channels, out_channels, kernel, stride, padding, dilation, groups)
    (1, 8, 3, 1, 1, 1, 1),
    (3, 4, 3, 2, 0, 1, 1),
    (3, 2, (2, 3), (2, 1), (1, 0), 1, 1),
    (2, 3, 3, 1, 2, 2, 1),
    (4, 6, 1, 1, 0, 1, 2),
    (4, 4, 3, 2, 1, 1, 4),  # depthwise
    (2, 2, 5, 3, 2, 1, 1),  # stride 3: the last rows/columns are never covered
]


@pytest.mark.parametrize("cin, cout, kernel, stride, padding, dilation, groups", CONV_SETTINGS)
def test_conv2d_matches_torch(torch, cin, cout, kernel, stride, padding, dilation, groups):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x, w, b = (
        rng.standard_normal((2, cin, 7, 6)),
        rng.standard_normal((cout, cin // groups, kh, kw)),
        rng.standard_normal(cout),
    )
    ours_in, theirs_in = _leaves(torch, x, w, b)
    ours = F.conv2d(*ours_in, stride=stride, padding=padding, dilation=dilation, groups=groups)
    theirs = torch.nn.functional.conv2d(
        *theirs_in, stride=stride, padding=padding, dilation=dilation, groups=groups
    )
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel", [3, (2, 4)])
def test_conv2d_string_padding_matches_torch(torch, padding, kernel):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    ours_in, theirs_in = _leaves(
        torch, rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, kh, kw))
    )
    ours = F.conv2d(*ours_in, padding=padding)
    with warnings.catch_warnings():  # PyTorch notes (once) that an even kernel needs a padded copy
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.conv2d(*theirs_in, padding=padding)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)
    if padding == "same":
        assert ours.shape[2:] == (5, 6)


def test_conv2d_float32_and_unbatched_match_torch(torch):
    x, w = (
        rng.standard_normal((3, 9, 9)).astype(np.float32),
        rng.standard_normal((5, 3, 3, 3)).astype(np.float32),
    )
    ours = F.conv2d(tg.tensor(x), tg.tensor(w), padding=1)
    theirs = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    assert ours.dtype == tg.float32 and ours.shape == (5, 9, 9)
    np.testing.assert_allclose(_np(ours), theirs.numpy(), rtol=1e-4, atol=1e-5)


def test_conv2d_second_derivatives_match_torch(torch):
    """A gradient penalty through a convolution: backward of the (create_graph) input gradient."""
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)))
    ours = F.conv2d(*ours_in, stride=2, padding=1).tanh().sum()
    theirs = torch.nn.functional.conv2d(*theirs_in, stride=2, padding=1).tanh().sum()
    ours_grads = tg.autograd.grad(ours, ours_in, create_graph=True)
    theirs_grads = torch.autograd.grad(theirs, theirs_in, create_graph=True)
    sum((g * g).sum() for g in ours_grads).backward()
    sum((g * g).sum() for g in theirs_grads).backward()
    for mine, reference in zip(ours_in, theirs_in):
        np.testing.assert_allclose(_np(mine.grad), reference.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_is_cross_correlation():
    """A kernel with a single 1 at (0, 0) reads the pixel at the window's top-left corner (no flip)."""
    image = tg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    kernel = tg.zeros(1, 1, 2, 2, dtype=tg.float64)
    kernel[0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(_np(F.conv2d(image, kernel))[0, 0], np.arange(16.0).reshape(4, 4)[:3, :3])


# ---- pooling -------------------------------------------------------------------------------------------

POOL_SETTINGS = [
    # (kernel, stride, padding)
    (2, None, 0),
    (3, 2, 1),
    (3, 1, 1),
    ((2, 3), (1, 2), (1, 1)),
    (1, 2, 0),
    (3, 3, 0),  # stride 3 over 7: the last pixel is never pooled
]


@pytest.mark.parametrize("kernel, stride, padding", POOL_SETTINGS)
def test_max_pool2d_matches_torch(torch, kernel, stride, padding):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 3, 7, 6)))
    ours = F.max_pool2d(*ours_in, kernel, stride, padding)
    theirs = torch.nn.functional.max_pool2d(*theirs_in, kernel, stride, padding)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


def test_max_pool2d_dilation_matches_torch(torch):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((1, 2, 7, 7)))
    ours = F.max_pool2d(*ours_in, 3, 1, 1, dilation=2)
    theirs = torch.nn.functional.max_pool2d(*theirs_in, 3, 1, 1, dilation=2)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum(torch):
    image = np.array([[[[1.0, 1.0, 0.0], [1.0, 1.0, 2.0], [2.0, 0.0, 2.0]]]])
    ours_in, theirs_in = _leaves(torch, image)
    F.max_pool2d(*ours_in, 2, 1).sum().backward()
    torch.nn.functional.max_pool2d(*theirs_in, 2, 1).sum().backward()
    np.testing.assert_array_equal(_np(ours_in[0].grad), theirs_in[0].grad.numpy())
    assert _np(ours_in[0].grad)[0, 0, 0, 0] == 1.0  # the first of the four tied 1s in window (0, 0)


def test_max_pool2d_propagates_nan(torch):
    image = np.arange(16.0).reshape(1, 1, 4, 4)
    image[0, 0, 1, 2] = np.nan
    ours = _np(F.max_pool2d(tg.tensor(image), 2))
    np.testing.assert_array_equal(ours, torch.nn.functional.max_pool2d(torch.from_numpy(image), 2).numpy())
    assert np.isnan(ours[0, 0, 0, 1]) and np.isfinite(ours).sum() == 3


def test_max_pool2d_pads_with_minus_infinity():
    """All-negative input: with zero padding the border maxima would be 0."""
    out = F.max_pool2d(tg.full((1, 1, 4, 4), -3.0), 3, 1, 1)
    np.testing.assert_array_equal(_np(out), np.full((1, 1, 4, 4), -3.0))


@pytest.mark.parametrize("kernel, stride, padding", POOL_SETTINGS)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(torch, kernel, stride, padding, count_include_pad):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 3, 7, 6)))
    ours = F.avg_pool2d(*ours_in, kernel, stride, padding, count_include_pad=count_include_pad)
    theirs = torch.nn.functional.avg_pool2d(
        *theirs_in, kernel, stride, padding, count_include_pad=count_include_pad
    )
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


def test_avg_pool2d_divisor_override_matches_torch(torch):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((1, 2, 5, 5)))
    ours = F.avg_pool2d(*ours_in, 3, 2, 1, divisor_override=2)
    theirs = torch.nn.functional.avg_pool2d(*theirs_in, 3, 2, 1, divisor_override=2)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


def test_avg_pool2d_spreads_the_gradient_evenly():
    x = tg.zeros(1, 1, 4, 4, dtype=tg.float64, requires_grad=True)
    F.avg_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), np.full((1, 1, 4, 4), 0.25))


@pytest.mark.parametrize("kernel, stride, padding, dilation", [(2, 1, 0, 1), ((2, 3), 2, 1, 1), (2, 1, 1, 2)])
def test_unfold_and_fold_match_torch(torch, kernel, stride, padding, dilation):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 3, 5, 6)))
    settings = {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    ours = F.unfold(*ours_in, **settings)
    theirs = torch.nn.functional.unfold(*theirs_in, **settings)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)
    columns = rng.standard_normal(tuple(theirs.shape))
    ours_in, theirs_in = _leaves(torch, columns)
    ours = F.fold(*ours_in, (5, 6), **settings)
    theirs = torch.nn.functional.fold(*theirs_in, (5, 6), **settings)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


# ---- pad, linear, activations ---------------------------------------------------------------------------

PADS = [(1, 2), (0, 0, 2, 1), (1, 1, 0, 2, 1, 0), (-1, 2, 1, -2), (2, -3)]


@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("value", [None, 2.5])
def test_constant_pad_matches_torch(torch, pad, value):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 3, 4, 5)))
    ours = F.pad(*ours_in, pad, value=value)
    theirs = torch.nn.functional.pad(*theirs_in, pad, value=value)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(2, 1), (1, 3, 2, 0)])
def test_index_pad_modes_match_torch(torch, mode, pad):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((2, 3, 4)))
    ours = F.pad(*ours_in, pad, mode=mode)
    theirs = torch.nn.functional.pad(*theirs_in, pad, mode=mode)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(4,), (2, 3)])
def test_linear_matches_torch(torch, bias, lead):
    arrays = [rng.standard_normal(lead + (5,)), rng.standard_normal((3, 5))] + [rng.standard_normal(3)] * bias
    ours_in, theirs_in = _leaves(torch, *arrays)
    _same_values_and_grads(F.linear(*ours_in), torch.nn.functional.linear(*theirs_in), ours_in, theirs_in)


ACTIVATIONS = [
    ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("silu", {}),
    ("sigmoid", {}),
    ("logsigmoid", {}),
    ("tanh", {}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": 0}),
]


@pytest.mark.parametrize(
    "name, kwargs", ACTIVATIONS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ACTIVATIONS)]
)
def test_activations_match_torch(torch, name, kwargs):
    ours_in, theirs_in = _leaves(torch, rng.standard_normal((3, 4)) * 4)
    ours = getattr(F, name)(*ours_in, **kwargs)
    theirs = getattr(torch.nn.functional, name)(*theirs_in, **kwargs)
    _same_values_and_grads(ours, theirs, ours_in, theirs_in)


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(
        _np(F.one_hot(tg.tensor(labels), 5)), torch.nn.functional.one_hot(torch.from_numpy(labels), 5).numpy()
    )
    assert F.one_hot(tg.tensor([1, 0])).shape == (2, 2)


# ---- dropout ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_statistics(p):
    tg.manual_seed(0)
    x = tg.ones(200_000, dtype=tg.float64)
    out = _np(F.dropout(x, p))
    dropped = np.mean(out == 0)
    assert abs(dropped - p) < 0.01  # the binomial std is ≤ 0.0012 here
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p))  # survivors scaled: the mean is kept
    assert abs(out.mean() - 1) < 0.05


def test_dropout_gradient_is_the_scaled_mask():
    x = tg.tensor(rng.standard_normal(1000), requires_grad=True)
    out = F.dropout(x, 0.4)
    out.sum().backward()
    kept = _np(out) != 0
    np.testing.assert_allclose(_np(x.grad), np.where(kept, 1 / 0.6, 0.0))


def test_dropout_eval_and_p0_are_the_identity_and_p1_zeroes():
    x = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(_np(F.dropout(x, 1.0)), np.zeros((3, 4)))


def test_dropout_is_seeded_and_stays_on_the_input_device(device):
    x = tg.ones(64, 64)
    tg.manual_seed(5)
    first = F.dropout(x, 0.5)
    tg.manual_seed(5)
    second = F.dropout(x, 0.5)
    assert first.device == x.device == device
    np.testing.assert_array_equal(_np(first), _np(second))
    assert not np.array_equal(_np(first), _np(F.dropout(x, 0.5)))


@pytest.mark.parametrize("p", [-0.1, 1.5, "half"])
def test_dropout_rejects_bad_probabilities(p):
    with pytest.raises(ValueError, match="dropout: probability"):
        F.dropout(tg.ones(3), p)


# ---- errors ----------------------------------------------------------------------------------------------


def _img(*shape):
    return tg.tensor(rng.standard_normal(shape))


BAD_CALLS = [
    # (exception, call, words the message must contain)
    (
        ValueError,
        lambda: F.conv2d(_img(1, 3, 5, 5), _img(2, 2, 3, 3)),
        ["conv2d", "3 channels", "(2, 2, 3, 3)"],
    ),
    (ValueError, lambda: F.conv2d(_img(1, 3, 5, 5), _img(2, 3, 3)), ["conv2d", "4-D"]),
    (ValueError, lambda: F.conv2d(_img(3, 5), _img(2, 3, 3, 3)), ["conv2d", "(3, 5)"]),
    (ValueError, lambda: F.conv2d(_img(1, 1, 2, 2), _img(1, 1, 3, 3)), ["conv2d", "smaller than the kernel"]),
    (ValueError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3), _img(3)), ["conv2d", "bias", "(3,)"]),
    (ValueError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3), stride=0), ["conv2d", "stride"]),
    (ValueError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3), padding="full"), ["conv2d", "full"]),
    (ValueError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3), padding="same", stride=2), ["same"]),
    (ValueError, lambda: F.conv2d(_img(1, 4, 5, 5), _img(3, 2, 1, 1), groups=2), ["groups=2"]),
    (RuntimeError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3).float()), ["conv2d", "float32"]),
    (TypeError, lambda: F.conv2d(_img(1, 2, 5, 5), _img(2, 2, 3, 3), stride=(1, 2, 3)), ["stride"]),
    (ValueError, lambda: F.max_pool2d(_img(1, 1, 4, 4), 2, padding=2), ["max_pool2d", "half"]),
    (ValueError, lambda: F.max_pool2d(_img(1, 1, 4, 4), 2, ceil_mode=True), ["max_pool2d", "ceil_mode"]),
    (ValueError, lambda: F.max_pool2d(_img(4, 4), 2), ["max_pool2d", "(4, 4)"]),
    (ValueError, lambda: F.avg_pool2d(_img(1, 1, 2, 2), 3), ["avg_pool2d", "smaller"]),
    (ValueError, lambda: F.avg_pool2d(_img(1, 1, 4, 4), 2, divisor_override=0), ["avg_pool2d", "divisor"]),
    (TypeError, lambda: F.max_pool2d(tg.ones(1, 1, 4, 4, dtype=tg.int64), 2), ["max_pool2d", "int64"]),
    (ValueError, lambda: F.fold(_img(1, 8, 5), (3, 3), 2), ["fold", "(1, 8, 5)"]),
    (ValueError, lambda: F.pad(_img(2, 3), (1, 2, 3)), ["pad", "even"]),
    (ValueError, lambda: F.pad(_img(2, 3), (1, 1, 1, 1, 1, 1)), ["pad", "(2, 3)"]),
    (ValueError, lambda: F.pad(_img(2, 3), (3, 0), mode="reflect"), ["pad", "reflect"]),
    (ValueError, lambda: F.pad(_img(2, 3), (-1, 0), mode="replicate"), ["pad", "replicate"]),
    (ValueError, lambda: F.pad(_img(2, 3), (1, 0), mode="symmetric"), ["pad", "symmetric"]),
    (ValueError, lambda: F.pad(_img(2, 3), (-2, -2)), ["pad", "negative size"]),
    (TypeError, lambda: F.pad(_img(2, 3), (1.5, 0)), ["pad", "ints"]),
    (ValueError, lambda: F.linear(_img(2, 3), _img(4, 2)), ["linear", "(2, 3)", "(4, 2)"]),
    (ValueError, lambda: F.one_hot(tg.tensor([0, 3]), 3), ["one_hot", "3"]),
]


@pytest.mark.parametrize("kind, call, words", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_arguments_raise_clear_errors(kind, call, words):
    with pytest.raises(kind) as caught:
        call()
    for word in words:
        assert word in str(caught.value), f"{word!r} not in {caught.value}"
