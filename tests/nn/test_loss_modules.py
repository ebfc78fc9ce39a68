"""Loss modules: each stores its settings and agrees with torch.nn's module (the math itself is
tested with nn.functional)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

RNG = np.random.default_rng(9)
REDUCTIONS = ["mean", "sum", "none"]


def regression():
    return RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((4, 3)) * 2


def classes():
    return RNG.standard_normal((5, 4)), RNG.integers(0, 4, 5)


def probabilities():
    return RNG.uniform(0.05, 0.95, (6,)), RNG.integers(0, 2, 6).astype(np.float64)


def logits():
    return RNG.standard_normal((6,)) * 2, RNG.integers(0, 2, 6).astype(np.float64)


def log_probabilities():
    z = RNG.standard_normal((5, 4))
    return z - np.log(np.exp(z).sum(1, keepdims=True)), RNG.integers(0, 4, 5)


# (our module name, torch module name, our kwargs, torch kwargs, data)
CASES = [
    ("MSELoss", "MSELoss", {}, {}, regression),
    ("L1Loss", "L1Loss", {}, {}, regression),
    ("HuberLoss", "HuberLoss", {}, {}, regression),
    ("HuberLoss", "HuberLoss", {"delta": 0.5}, {"delta": 0.5}, regression),
    ("CrossEntropyLoss", "CrossEntropyLoss", {}, {}, classes),
    ("CrossEntropyLoss", "CrossEntropyLoss", {"label_smoothing": 0.1}, {"label_smoothing": 0.1}, classes),
    ("CrossEntropyLoss", "CrossEntropyLoss", {"ignore_index": 1}, {"ignore_index": 1}, classes),
    ("NLLLoss", "NLLLoss", {}, {}, log_probabilities),
    ("BCELoss", "BCELoss", {}, {}, probabilities),
    ("BCEWithLogitsLoss", "BCEWithLogitsLoss", {}, {}, logits),
    ("LogisticLoss", "BCEWithLogitsLoss", {}, {}, logits),
    ("MultiMarginLoss", "MultiMarginLoss", {}, {}, classes),
    ("MultiMarginLoss", "MultiMarginLoss", {"margin": 0.5}, {"margin": 0.5}, classes),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("ours_name", "torch_name", "kwargs", "torch_kwargs", "data"), CASES)
def test_loss_module_matches_torch(ours_name, torch_name, kwargs, torch_kwargs, data, reduction):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, ours_name)(reduction=reduction, **kwargs)
    theirs = getattr(torch.nn, torch_name)(reduction=reduction, **torch_kwargs)
    x, y = data()
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lo, lt = ours(xo, tg.tensor(y)), theirs(xt, torch.tensor(y))
    np.testing.assert_allclose(np.asarray(lo.detach()), lt.detach().numpy(), rtol=1e-10, atol=1e-12)
    lo.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(np.asarray(xo.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_class_weights_are_buffers_that_match_torch():
    torch = pytest.importorskip("torch")
    weight = np.array([0.5, 2.0, 1.0, 1.5])
    ours = nn.CrossEntropyLoss(weight=tg.tensor(weight))
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x, y = classes()
    np.testing.assert_allclose(
        ours(tg.tensor(x), tg.tensor(y)).item(), theirs(torch.tensor(x), torch.tensor(y)).item(), rtol=1e-10
    )
    assert ours.to("cuda").weight.device == "cuda"


def test_pos_weight_matches_torch():
    torch = pytest.importorskip("torch")
    pos = np.array([3.0])
    x, y = logits()
    ours = nn.BCEWithLogitsLoss(pos_weight=tg.tensor(pos))(tg.tensor(x), tg.tensor(y))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos))(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_module(reduction):
    scores = RNG.standard_normal(6) * 2
    targets = RNG.choice([-1.0, 1.0], 6)
    loss = nn.HingeLoss(margin=0.5, reduction=reduction)(tg.tensor(scores), tg.tensor(targets))
    per_element = np.maximum(0, 0.5 - targets * scores)
    expected = {"mean": per_element.mean(), "sum": per_element.sum(), "none": per_element}[reduction]
    np.testing.assert_allclose(np.asarray(loss.detach()), expected, rtol=1e-12)


def test_bad_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")


def test_loss_module_repr_and_settings():
    assert repr(nn.MSELoss()) == "MSELoss()"
    criterion = nn.CrossEntropyLoss(label_smoothing=0.2, reduction="sum")
    assert criterion.label_smoothing == 0.2 and criterion.reduction == "sum"
    assert nn.HingeLoss().margin == 1.0 and nn.HuberLoss().delta == 1.0


def test_loss_module_errors_come_from_the_functional_checks():
    with pytest.raises(ValueError):
        nn.CrossEntropyLoss()(tg.randn(3, 4), tg.tensor([0, 1, 7]))
