"""Entries of ``ops/loss.py`` (BinaryCrossEntropy, CrossEntropy) and of the losses
``nn.functional`` builds out of other ops (mse, l1, huber, nll, hinge, multi-margin)."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import as_float64, extreme, grid_even, grid_odd, positive, real, seeded_rng, shapes
from .entry import Case, op, torch

_reductions = st.sampled_from(["mean", "sum", "none"])


def _tg_or_none(array):
    return None if array is None else tg.tensor(array)


def _torch_or_none(array):
    return None if array is None else torch.from_numpy(array)


@st.composite
def regression_case(draw, prediction=grid_odd, target=grid_even):
    """A prediction and a target of the same shape (grids keep |ŷ − y| off the kinks: 0 and δ = 1)."""
    shape = draw(shapes())
    rng = seeded_rng(draw)
    return Case((prediction(rng, shape), target(rng, shape)), {"reduction": draw(_reductions)})


@st.composite
def class_case(draw, domain=real, extra_dims=False, probabilities=False, smoothing=True, unbatched=False):
    """Logits (N, C[, d]) or (C,), targets (class indices, some ignored, or probabilities),
    optional class weights, a reduction and a label smoothing."""
    classes = draw(st.integers(2, 4))
    batch = () if unbatched else (draw(st.integers(1, 3)),)
    extra = (draw(st.integers(1, 3)),) if extra_dims else ()
    rng = seeded_rng(draw)
    logits = domain(rng, batch + (classes,) + extra)
    if probabilities:
        target = np.moveaxis(rng.dirichlet(np.ones(classes), size=batch + extra), -1, len(batch))
    else:
        target = rng.integers(0, classes, batch + extra)
        if target.size > 1 and draw(st.booleans()):  # ignore some targets, never all of them
            target.reshape(-1)[rng.random(target.size) < 0.3] = -100
            target.reshape(-1)[0] = rng.integers(0, classes)
    params = {
        "target": target,
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 0.5])) if smoothing else 0.0,
    }
    return Case((logits,), params)


@st.composite
def binary_case(draw, logits=True, domain=real):
    """Logits (or probabilities) and targets in [0, 1] of one shape, with optional weights."""
    shape = draw(shapes(min_dims=1))
    rng = seeded_rng(draw)
    scores = domain(rng, shape) if logits else as_float64(rng.uniform(0.05, 0.95, shape), shape)
    params = {
        "weight": positive(rng, shape[-1:]) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
    }
    if logits:
        params["pos_weight"] = positive(rng, shape[-1:]) if draw(st.booleans()) else None
        params["target"] = rng.integers(0, 2, shape).astype(np.float64)
        return Case((scores,), params)
    return Case((scores, as_float64(rng.uniform(0.0, 1.0, shape), shape)), params)


@st.composite
def margin_case(draw, multi=False):
    """Scores near a 0.2-grid (±0.03): with margin 1.1, 1.1 ∓ s and 1.1 − s_y + s_j stay at least
    0.04 away from the hinge's kink at 0."""
    rng = seeded_rng(draw)
    reduction = draw(_reductions)
    if not multi:
        shape = draw(shapes())
        labels = rng.choice((-1.0, 1.0), shape).astype(np.float64)
        return Case((grid_even(rng, shape),), {"target": labels, "reduction": reduction})
    classes = draw(st.integers(2, 4))
    shape = (draw(st.integers(1, 3)), classes) if draw(st.booleans()) else (classes,)
    target = rng.integers(0, classes, shape[:-1])
    params = {
        "target": target,
        "p": draw(st.sampled_from([1, 2])),
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": reduction,
    }
    return Case((grid_odd(rng, shape),), params)


def _cross_entropy(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        return functional.cross_entropy(
            z,
            tensor_fn(target),
            tensor_fn(weight) if weight is not None else None,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    return call


def _nll(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        weight = tensor_fn(weight) if weight is not None else None
        return functional.nll_loss(
            z.log_softmax(1 if z.ndim > 1 else 0), tensor_fn(target), weight, reduction=reduction
        )

    return call


def _bce_logits(tensor_fn, functional, name="binary_cross_entropy_with_logits"):
    def call(z, target, weight, reduction, pos_weight):
        return getattr(functional, name)(
            z,
            tensor_fn(target),
            None if weight is None else tensor_fn(weight),
            reduction=reduction,
            pos_weight=None if pos_weight is None else tensor_fn(pos_weight),
        )

    return call


@st.composite
def soft_target_case(draw):
    """Logits (N, C) and class-probability targets that are differentiable inputs too."""
    batch, classes = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    rng = seeded_rng(draw)
    target = as_float64(rng.dirichlet(np.ones(classes), size=batch), (batch, classes))
    params = {
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1])),
    }
    return Case((real(rng, (batch, classes)), target), params)


def _soft_cross_entropy(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        weight = None if weight is None else tensor_fn(weight)
        return functional.cross_entropy(
            z, target, weight, reduction=reduction, label_smoothing=label_smoothing
        )

    return call


def _regression_loss(name, **options):
    """A factory like the others: ``functional.<name>(a, b, reduction=reduction, **options)``."""

    def make(tensor_fn, functional):
        return lambda a, b, reduction: getattr(functional, name)(a, b, reduction=reduction, **options)

    return make


def _mse_reference(a, b, reduction):
    return ref.reduced((a - b) ** 2, reduction)


def _l1_reference(a, b, reduction):
    return ref.reduced(np.abs(a - b), reduction)


def _huber_reference(a, b, reduction, delta=1.0):
    """½d² where |d| < δ, else δ(|d| − ½δ)."""
    d = np.abs(a - b)
    return ref.reduced(np.where(d < delta, 0.5 * d**2, delta * (d - 0.5 * delta)), reduction)


def _nll_reference(z, target, weight, reduction, label_smoothing):
    return ref.cross_entropy(z, target, weight, reduction)


_bce_logits_reference = ref.binary_cross_entropy_with_logits
_probability_targets = class_case(probabilities=True, extra_dims=True)
_extreme_logits = binary_case(domain=extreme)


# losses built by a factory of (how an array becomes a tensor, the functional module): ours is
# factory(tg.tensor, F), PyTorch's factory(torch.from_numpy, torch.nn.functional).
# (name, factory, cases, reference)
FACTORY_LOSSES = (
    ("F.mse_loss", _regression_loss("mse_loss"), regression_case(real, real), _mse_reference),
    ("F.l1_loss", _regression_loss("l1_loss"), regression_case(), _l1_reference),
    ("F.huber_loss", _regression_loss("huber_loss", delta=1.0), regression_case(), _huber_reference),
    ("F.cross_entropy", _cross_entropy, class_case(), ref.cross_entropy),
    # (N, C, d1) logits, (N, d1) targets
    ("F.cross_entropy_spatial", _cross_entropy, class_case(extra_dims=True), ref.cross_entropy),
    ("F.cross_entropy_unbatched", _cross_entropy, class_case(unbatched=True), ref.cross_entropy),
    ("F.cross_entropy_probabilities", _cross_entropy, _probability_targets, ref.cross_entropy),
    ("F.cross_entropy_extreme_logits", _cross_entropy, class_case(domain=extreme), ref.cross_entropy),
    ("F.nll_loss", _nll, class_case(smoothing=False, extra_dims=True), _nll_reference),
    ("F.binary_cross_entropy_with_logits", _bce_logits, binary_case(), _bce_logits_reference),
    ("F.binary_cross_entropy_with_logits_extreme", _bce_logits, _extreme_logits, _bce_logits_reference),
    ("F.cross_entropy_probability_grad", _soft_cross_entropy, soft_target_case(), ref.cross_entropy),
)
for _name, _factory, _cases, _reference in FACTORY_LOSSES:
    _torch_fn = _factory(torch.from_numpy, torch.nn.functional)
    op(_name, _factory(tg.tensor, F), _cases, _torch_fn, reference=_reference)


def _torch_hinge(s, target, reduction):
    loss = (1.1 - torch.from_numpy(target) * s).clamp(min=0)
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


op(
    "F.binary_cross_entropy",
    lambda p, y, weight, reduction: F.binary_cross_entropy(p, y, _tg_or_none(weight), reduction=reduction),
    binary_case(logits=False),
    lambda p, y, weight, reduction: torch.nn.functional.binary_cross_entropy(
        p, y, _torch_or_none(weight), reduction=reduction
    ),
    reference=ref.binary_cross_entropy,
)


op(
    "F.logistic_loss",  # the same loss under the course's name (PyTorch calls it BCE with logits)
    _bce_logits(tg.tensor, F, "logistic_loss"),
    binary_case(),
    _bce_logits(torch.from_numpy, torch.nn.functional),
    reference=ref.binary_cross_entropy_with_logits,
)


op(
    "F.hinge_loss",
    lambda s, target, reduction: F.hinge_loss(s, tg.tensor(target), margin=1.1, reduction=reduction),
    margin_case(),
    _torch_hinge,
    reference=lambda s, target, reduction: ref.hinge(s, target, 1.1, reduction),
)


op(
    "F.multi_margin_loss",
    lambda s, target, p, weight, reduction: F.multi_margin_loss(
        s, tg.tensor(target), p, 1.1, _tg_or_none(weight), reduction=reduction
    ),
    margin_case(multi=True),
    lambda s, target, p, weight, reduction: torch.nn.functional.multi_margin_loss(
        s, torch.from_numpy(target), p, 1.1, _torch_or_none(weight), reduction=reduction
    ),
    reference=lambda s, target, p, weight, reduction: ref.multi_margin(s, target, p, 1.1, weight, reduction),
)
