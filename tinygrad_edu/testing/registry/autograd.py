"""The engine's own mechanics, exercised through ops: in-place changes of tensors in the graph
(``autograd/inplace.py``) and user-written ``Function``s (``once_differentiable``, several outputs)."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .cases import nonzero, real, same_shape, unary
from .entry import op


def _inplace_chain(a, b):
    h = a * 1
    h += b
    h *= b
    h -= 0.5
    h /= b
    h.add_(a, alpha=2)
    h.sub_(b)
    h.mul_(1.5)
    h.div_(a)
    return h


def _inplace_chain_reference(a, b):
    """``_inplace_chain`` step by step on NumPy arrays (``add_(a, alpha=2)`` is ``+= 2a``)."""
    h = a.copy()
    for step in (lambda: h + b, lambda: h * b, lambda: h - 0.5, lambda: h / b, lambda: h + 2 * a):
        h = step()
    return (h - b) * 1.5 / a


def _view_changed_in_place_reference(a, b):
    h = a.copy()
    h.reshape(-1)[::2] *= b.reshape(-1)[::2]  # NumPy's reshape of a contiguous array is a view too
    return h


def _view_changed_in_place(a, b):
    h = a * 1
    v = h.reshape(-1)[::2]  # a view of a view: the base is rebuilt
    v.mul_(b.reshape(-1)[::2])
    return h


op(
    "inplace_ops_in_graph",
    _inplace_chain,
    same_shape(nonzero, nonzero),
    _inplace_chain,
    ["__iadd__", "__imul__", "__isub__", "__itruediv__", "add_", "sub_", "mul_", "div_"],
    reference=_inplace_chain_reference,
)


op(
    "view_changed_in_place",
    _view_changed_in_place,
    same_shape(real, real),
    _view_changed_in_place,
    ["mul_"],
    reference=_view_changed_in_place_reference,
)


class _OnceSquare(tg.autograd.Function):
    """A user's Function whose backward is marked @once_differentiable (its first derivative is checked;
    differentiating it again raises, so it is not gradgradchecked)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @tg.autograd.function.once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


op(
    "Function_once_differentiable",
    _OnceSquare.apply,
    unary(real),
    lambda a: a * a,
    twice=False,
    reference=lambda a: a * a,
)


class _SinCos(tg.autograd.Function):
    """A user's Function with two outputs (their gradients meet at one node: FunctionOutput)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


op(
    "Function_two_outputs",
    lambda a: _SinCos.apply(a),
    unary(real),
    lambda a: (a.sin(), a.cos()),
    reference=lambda a: (np.sin(a), np.cos(a)),
)
