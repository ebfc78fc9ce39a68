"""The losses of ``nn.functional``: values and gradients against PyTorch (float64) for every reduction
and option, stability at logits of ±10⁴, and a ValueError naming the loss for every bad input."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture(scope="module")
def torch():
    """PyTorch, the oracle (the tests that need it skip where it is not installed)."""
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


def _leaves(torch, array, requires_grad=True):
    """The same float64 array as a leaf of ours and of PyTorch's."""
    return tg.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def _check_value_and_grads(ours, theirs, pairs, rtol=1e-10, atol=1e-12):
    """Same loss, and (after backward of a weighted sum) the same gradient of each (ours, theirs) leaf."""
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=rtol, atol=atol)
    weights = np.random.default_rng(7).standard_normal(ours.shape)
    (ours * tg.tensor(weights)).sum().backward()
    (theirs * theirs.new_tensor(weights)).sum().backward()
    for mine, reference in pairs:
        np.testing.assert_allclose(_np(mine.grad), reference.grad.numpy(), rtol=rtol, atol=atol)


rng = np.random.default_rng(0)


# ---- elementwise losses -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name, kwargs",
    [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4})],
)
def test_regression_losses_match_torch(torch, name, kwargs, reduction):
    prediction, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    (x, xt), (y, yt) = _leaves(torch, prediction), _leaves(torch, target)
    ours = getattr(F, name)(x, y, reduction=reduction, **kwargs)
    theirs = getattr(torch.nn.functional, name)(xt, yt, reduction=reduction, **kwargs)
    _check_value_and_grads(ours, theirs, [(x, xt), (y, yt)])


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    diff = np.array([0.1, -0.3, 2.0, -5.0])
    loss = F.huber_loss(tg.tensor(diff), tg.zeros(4, dtype=tg.float64), reduction="none", delta=0.5)
    expected = np.where(np.abs(diff) <= 0.5, 0.5 * diff**2, 0.5 * (np.abs(diff) - 0.25))
    np.testing.assert_allclose(_np(loss), expected)


# ---- cross-entropy and NLL ---------------------------------------------------------------------------------


def _class_targets(shape, classes, ignore=False):
    target = rng.integers(0, classes, shape)
    if ignore:
        target.reshape(-1)[::3] = -100
    return target


def _cross_entropy_both(torch, logits, target, weight=None, **kwargs):
    z, zt = _leaves(torch, logits)
    ours = F.cross_entropy(z, tg.tensor(target), None if weight is None else tg.tensor(weight), **kwargs)
    theirs = torch.nn.functional.cross_entropy(
        zt, torch.from_numpy(target), None if weight is None else torch.from_numpy(weight), **kwargs
    )
    return ours, theirs, [(z, zt)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_class_indices_match_torch(torch, reduction, label_smoothing, weighted, ignore):
    logits = rng.standard_normal((5, 4)) * 2
    target = _class_targets((5,), 4, ignore)
    weight = rng.uniform(0.5, 2.0, 4) if weighted else None
    ours, theirs, pairs = _cross_entropy_both(
        torch, logits, target, weight, reduction=reduction, label_smoothing=label_smoothing
    )
    _check_value_and_grads(ours, theirs, pairs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_spatial_targets_match_torch(torch, reduction, label_smoothing):
    logits = rng.standard_normal((2, 3, 4, 2))  # (N, C, d1, d2)
    target = _class_targets((2, 4, 2), 3, ignore=True)
    weight = rng.uniform(0.5, 2.0, 3)
    ours, theirs, pairs = _cross_entropy_both(
        torch, logits, target, weight, reduction=reduction, label_smoothing=label_smoothing
    )
    _check_value_and_grads(ours, theirs, pairs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets_match_torch(torch, reduction, label_smoothing, weighted):
    logits = rng.standard_normal((4, 3, 2))
    target = np.moveaxis(rng.dirichlet(np.ones(3), size=(4, 2)), -1, 1)
    weight = rng.uniform(0.5, 2.0, 3) if weighted else None
    ours, theirs, pairs = _cross_entropy_both(
        torch, logits, target, weight, reduction=reduction, label_smoothing=label_smoothing
    )
    _check_value_and_grads(ours, theirs, pairs)


def test_cross_entropy_unbatched_matches_torch(torch):
    ours, theirs, pairs = _cross_entropy_both(torch, rng.standard_normal(5), np.array(3), label_smoothing=0.2)
    assert ours.shape == ()
    _check_value_and_grads(ours, theirs, pairs)


def test_cross_entropy_custom_ignore_index_and_all_ignored(torch):
    logits, target = rng.standard_normal((4, 3)), np.array([1, 7, 0, 7])
    ours, theirs, pairs = _cross_entropy_both(torch, logits, target, ignore_index=7)
    _check_value_and_grads(ours, theirs, pairs)
    with np.errstate(invalid="ignore"):
        everything_ignored = F.cross_entropy(tg.tensor(logits), tg.tensor([7, 7, 7, 7]), ignore_index=7)
    assert np.isnan(everything_ignored.item())  # 0 / 0, as PyTorch gives


def test_cross_entropy_equals_nll_of_log_softmax(torch):
    logits, target = rng.standard_normal((6, 4)), _class_targets((6,), 4, ignore=True)
    weight = rng.uniform(0.5, 2.0, 4)
    for reduction in REDUCTIONS:
        z, zt = _leaves(torch, logits)
        ours = F.nll_loss(F.log_softmax(z, 1), tg.tensor(target), tg.tensor(weight), reduction=reduction)
        theirs = torch.nn.functional.nll_loss(
            torch.log_softmax(zt, 1), torch.from_numpy(target), torch.from_numpy(weight), reduction=reduction
        )
        _check_value_and_grads(ours, theirs, [(z, zt)])
        direct = F.cross_entropy(tg.tensor(logits), tg.tensor(target), tg.tensor(weight), reduction=reduction)
        np.testing.assert_allclose(_np(direct), _np(ours), rtol=1e-12)


def test_cross_entropy_second_derivatives_match_torch(torch):
    """A gradient penalty ‖∂L/∂z‖² differentiated again (create_graph)."""
    logits, target = rng.standard_normal((3, 4)), _class_targets((3,), 4)
    z, zt = _leaves(torch, logits)
    (g,) = tg.autograd.grad(F.cross_entropy(z, tg.tensor(target), label_smoothing=0.1), z, create_graph=True)
    (gt,) = torch.autograd.grad(
        torch.nn.functional.cross_entropy(zt, torch.from_numpy(target), label_smoothing=0.1),
        zt,
        create_graph=True,
    )
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(_np(z.grad), zt.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- binary losses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(torch, reduction, weighted):
    (p, pt), (y, yt) = (
        _leaves(torch, rng.uniform(0.02, 0.98, (3, 4))),
        _leaves(torch, rng.uniform(0, 1, (3, 4))),
    )
    weight = rng.uniform(0.5, 2.0, 4) if weighted else None
    ours = F.binary_cross_entropy(p, y, None if weight is None else tg.tensor(weight), reduction=reduction)
    theirs = torch.nn.functional.binary_cross_entropy(
        pt, yt, None if weight is None else torch.from_numpy(weight), reduction=reduction
    )
    _check_value_and_grads(ours, theirs, [(p, pt), (y, yt)])


def test_binary_cross_entropy_at_exact_zero_and_one_is_finite_like_torch(torch):
    """log 0 is clamped to −100, and the gradient stays finite (PyTorch's 1e-12 guard)."""
    probabilities, targets = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    (p, pt), (y, yt) = _leaves(torch, probabilities), _leaves(torch, targets, requires_grad=False)
    ours = F.binary_cross_entropy(p, y, reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy(pt, yt, reduction="none")
    np.testing.assert_allclose(_np(ours), [100.0, 100.0, 0.0, 0.0])
    # the guard is 1e-12 here and float32(1e-12) in PyTorch: gradients of ~1e12 agree to 4e-9
    _check_value_and_grads(ours, theirs, [(p, pt)], rtol=1e-8)
    assert np.isfinite(_np(p.grad)).all()


@pytest.mark.parametrize("name", ["binary_cross_entropy_with_logits", "logistic_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_matches_torch(torch, name, reduction, pos_weighted):
    (z, zt), (y, yt) = (
        _leaves(torch, rng.standard_normal((3, 4)) * 3),
        _leaves(torch, rng.uniform(0, 1, (3, 4))),
    )
    weight = rng.uniform(0.5, 2.0, (3, 1))
    pos_weight = rng.uniform(0.5, 3.0, 4) if pos_weighted else None
    ours = getattr(F, name)(
        z,
        y,
        tg.tensor(weight),
        reduction=reduction,
        pos_weight=None if pos_weight is None else tg.tensor(pos_weight),
    )
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        zt,
        yt,
        torch.from_numpy(weight),
        reduction=reduction,
        pos_weight=None if pos_weight is None else torch.from_numpy(pos_weight),
    )
    _check_value_and_grads(ours, theirs, [(z, zt), (y, yt)])


def test_bce_with_logits_gradient_at_zero_logits_is_sigmoid_minus_target():
    """Zero logits (a zero-initialised logistic regression) sit exactly on the kinks of |z| and
    max(z, 0): the gradient must still be σ(0) − y = 0.5 − y."""
    z = tg.zeros(4, dtype=tg.float64, requires_grad=True)
    y = tg.tensor([0.0, 1.0, 0.25, 1.0], dtype=tg.float64)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    np.testing.assert_allclose(_np(z.grad), 0.5 - _np(y))


# ---- stability at extreme logits ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_extreme_logits_finite_and_correct(torch, dtype, label_smoothing):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [-1e4, -1e4, 1e4]], dtype=dtype)
    target = np.array([1, 1, 0])  # wrong by 2·10⁴, right, wrong by 10⁴
    z, zt = tg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours = F.cross_entropy(z, tg.tensor(target), reduction="none", label_smoothing=label_smoothing)
    theirs = torch.nn.functional.cross_entropy(
        zt, torch.from_numpy(target), reduction="none", label_smoothing=label_smoothing
    )
    ours.sum().backward()
    theirs.sum().backward()
    assert np.isfinite(_np(ours)).all() and np.isfinite(_np(z.grad)).all()
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(z.grad), zt.grad.numpy(), rtol=1e-6, atol=1e-7)
    if label_smoothing == 0:
        np.testing.assert_allclose(_np(ours)[[0, 2]], [2e4, 2e4], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_extreme_logits_finite_and_correct(torch, dtype, pos_weighted):
    logits = np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dtype)
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=dtype)
    pos_weight = np.full(5, 2.5, dtype=dtype) if pos_weighted else None
    z, zt = tg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours = F.binary_cross_entropy_with_logits(
        z,
        tg.tensor(targets),
        reduction="none",
        pos_weight=None if pos_weight is None else tg.tensor(pos_weight),
    )
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        zt,
        torch.from_numpy(targets),
        reduction="none",
        pos_weight=None if pos_weight is None else torch.from_numpy(pos_weight),
    )
    ours.sum().backward()
    theirs.sum().backward()
    assert np.isfinite(_np(ours)).all() and np.isfinite(_np(z.grad)).all()
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(z.grad), zt.grad.numpy(), rtol=1e-6, atol=1e-7)


# ---- margin losses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_hinge_loss_is_the_svm_hinge(reduction, margin):
    scores = np.array([[2.0, -0.3, 0.2], [-1.5, 0.45, 3.0]])
    labels = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]])
    s = tg.tensor(scores, requires_grad=True)
    loss = F.hinge_loss(s, tg.tensor(labels), margin=margin, reduction=reduction)
    per_element = np.maximum(0.0, margin - labels * scores)
    expected = {"mean": per_element.mean(), "sum": per_element.sum(), "none": per_element}[reduction]
    np.testing.assert_allclose(_np(loss), expected)
    loss.sum().backward()
    scale = 1 / scores.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(_np(s.grad), np.where(per_element > 0, -labels, 0.0) * scale)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss_matches_torch(torch, reduction, p, weighted):
    (s, st), target = _leaves(torch, rng.standard_normal((5, 4))), rng.integers(0, 4, 5)
    weight = rng.uniform(0.5, 2.0, 4) if weighted else None
    ours = F.multi_margin_loss(
        s, tg.tensor(target), p, 0.8, None if weight is None else tg.tensor(weight), reduction=reduction
    )
    theirs = torch.nn.functional.multi_margin_loss(
        st,
        torch.from_numpy(target),
        p,
        0.8,
        None if weight is None else torch.from_numpy(weight),
        reduction=reduction,
    )
    _check_value_and_grads(ours, theirs, [(s, st)])


def test_multi_margin_loss_formula_on_one_sample():
    scores = np.array([0.1, 0.9, 0.4])  # true class 0: margins 1 − 0.1 + s_j for j = 1, 2
    loss = F.multi_margin_loss(tg.tensor(scores), tg.tensor(0))
    np.testing.assert_allclose(loss.item(), ((1 - 0.1 + 0.9) + (1 - 0.1 + 0.4)) / 3)


# ---- bad inputs: a ValueError that names the loss and what it got ------------------------------------------


def _x(*shape):
    return tg.tensor(rng.standard_normal(shape))


BAD_CALLS = [
    # (loss, call, words the message must contain)
    ("mse_loss", lambda: F.mse_loss(_x(3, 1), _x(3)), ["(3,)", "(3, 1)"]),
    ("l1_loss", lambda: F.l1_loss(_x(2, 3), _x(3, 2)), ["(3, 2)"]),
    ("huber_loss", lambda: F.huber_loss(_x(4), _x(1)), ["(1,)"]),
    ("huber_loss", lambda: F.huber_loss(_x(4), _x(4), delta=0.0), ["delta"]),
    ("mse_loss", lambda: F.mse_loss(tg.tensor([1, 2]), tg.tensor([1, 2])), ["int64"]),
    ("mse_loss", lambda: F.mse_loss(_x(3), _x(3), reduction="average"), ["average"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, 4, 1])), ["[0, 3]", "4"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, -1, 1])), ["-1"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, 1])), ["(3,)", "(2,)"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([[0], [1], [2]])), ["(3, 1)"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), _x(3)), ["probabilities", "(3,)"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([True, False, True])), ["bool"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, 1, 2]), weight=_x(3)), ["weight"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, 1, 2]), label_smoothing=1.5), ["1.5"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(3, 4), tg.tensor([0, 1, 2]), reduction="all"), ["all"]),
    ("cross_entropy", lambda: F.cross_entropy(tg.tensor([[1, 2]]), tg.tensor([0])), ["int64"]),
    ("nll_loss", lambda: F.nll_loss(_x(2, 3), tg.tensor([3, 0])), ["[0, 2]", "3"]),
    ("nll_loss", lambda: F.nll_loss(_x(2, 3), tg.tensor([1.0, 0.0])), ["integer", "float32"]),
    (
        "binary_cross_entropy",
        lambda: F.binary_cross_entropy(tg.tensor([0.5, 1.2]), tg.tensor([0.0, 1.0])),
        ["1.2"],
    ),
    (
        "binary_cross_entropy",
        lambda: F.binary_cross_entropy(tg.tensor([0.5, 0.2]), tg.tensor([0.0, -1.0])),
        ["-1"],
    ),
    (
        "binary_cross_entropy",
        lambda: F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([[1.0]])),
        ["(1, 1)"],
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda: F.binary_cross_entropy_with_logits(_x(4), _x(4, 1)),
        ["(4, 1)"],
    ),
    ("logistic_loss", lambda: F.logistic_loss(_x(2), tg.tensor([0.0, 2.0])), ["2.0"]),
    ("hinge_loss", lambda: F.hinge_loss(_x(3), tg.tensor([1.0, 0.0, -1.0])), ["-1 or +1", "0.0"]),
    ("hinge_loss", lambda: F.hinge_loss(_x(3), tg.tensor([1.0, -1.0])), ["(2,)"]),
    ("multi_margin_loss", lambda: F.multi_margin_loss(_x(2, 3), tg.tensor([0, 3])), ["[0, 2]"]),
    ("multi_margin_loss", lambda: F.multi_margin_loss(_x(2, 3), tg.tensor([0, 1]), p=3), ["p"]),
    ("multi_margin_loss", lambda: F.multi_margin_loss(_x(2, 3, 1), tg.tensor([[0], [1]])), ["(2, 3, 1)"]),
    ("multi_margin_loss", lambda: F.multi_margin_loss(_x(2, 3), tg.tensor([0, 1]), reduction=None), ["None"]),
]


@pytest.mark.parametrize("loss, call, words", BAD_CALLS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_CALLS)])
def test_bad_inputs_raise_value_error_naming_the_loss(loss, call, words):
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    assert message.startswith(f"{loss}:"), message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_a_target_that_is_not_a_tensor_raises_type_error():
    with pytest.raises(TypeError, match="cross_entropy: target must be a Tensor"):
        F.cross_entropy(_x(2, 3), [0, 1])
