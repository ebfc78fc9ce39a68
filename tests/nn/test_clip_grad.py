"""nn.utils: clip_grad_norm_ and clip_grad_value_ against PyTorch; parameter/vector conversion."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

RNG = np.random.default_rng(21)


def params_with_grads(scale=1.0, dtype=np.float32):
    """Three parameters with known gradients (and one without), as arrays and as our Parameters."""
    arrays = [RNG.standard_normal(shape).astype(dtype) for shape in ((3, 4), (4,), (2, 2, 2))]
    grads = [RNG.standard_normal(a.shape).astype(dtype) * scale for a in arrays]
    params = [nn.Parameter(tg.tensor(a)) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = tg.tensor(g)
    params.append(nn.Parameter(tg.zeros(5, dtype=dtype)))  # no grad: skipped
    return arrays, grads, params


def torch_params(arrays, grads):
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    arrays, grads, ours = params_with_grads()
    theirs = torch_params(arrays, grads)
    total_ours = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total_ours, tg.Tensor) and total_ours.shape == ()
    np.testing.assert_allclose(total_ours.item(), total_theirs.item(), rtol=1e-6)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(p.grad), tp.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert ours[-1].grad is None


def test_clip_grad_norm_scales_to_max_norm_in_place():
    _, grads, params = params_with_grads(scale=10.0, dtype=np.float64)
    grad_objects = [p.grad for p in params[:3]]
    expected_total = math.sqrt(sum((g**2).sum() for g in grads))
    total = clip_grad_norm_(iter(params), max_norm=1.0)  # a generator, as model.parameters()
    assert total.item() == pytest.approx(expected_total, rel=1e-12)
    assert [p.grad for p in params[:3]] == grad_objects  # modified in place
    new_total = math.sqrt(sum((np.asarray(p.grad) ** 2).sum() for p in params[:3]))
    assert new_total == pytest.approx(1.0, rel=1e-5)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(np.asarray(p.grad), g / (expected_total + 1e-6), rtol=1e-12)


def test_clip_grad_norm_single_tensor_and_no_grads():
    p = nn.Parameter(tg.tensor([3.0, 4.0]))
    p.grad = tg.tensor([3.0, 4.0])
    assert clip_grad_norm_(p, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.asarray(p.grad), [3.0, 4.0], rtol=1e-6)  # below max_norm: unchanged
    assert clip_grad_norm_([nn.Parameter(tg.ones(2))], 1.0).item() == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(tg.ones(2))
    p.grad = tg.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_([p], 1.0).item())


def test_clip_grad_norm_in_a_training_step():
    model = nn.Linear(3, 1)
    (model(tg.randn(16, 3) * 100) ** 2).mean().backward()
    total = clip_grad_norm_(model.parameters(), max_norm=0.1)
    assert total.item() > 0.1
    clipped = math.sqrt(sum(float((p.grad * p.grad).sum().item()) for p in model.parameters()))
    assert clipped == pytest.approx(0.1, rel=1e-4)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    arrays, grads, ours = params_with_grads()
    theirs = torch_params(arrays, grads)
    assert clip_grad_value_(ours, 0.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(p.grad), tp.grad.numpy())
    assert max(np.abs(np.asarray(p.grad)).max() for p in ours[:3]) == pytest.approx(0.5)


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    vector = parameters_to_vector(model.parameters())
    assert vector.shape == (13,)
    vector_to_parameters(vector.detach() * 0 + 1, model.parameters())
    assert all((np.asarray(p.detach()) == 1).all() for p in model.parameters())
    with pytest.raises(ValueError, match="13"):
        vector_to_parameters(tg.zeros(12), model.parameters())
