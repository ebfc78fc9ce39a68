"""The array namespace of ``create_graph=True``: the backend's function names, over Tensors.

A backward written as ``grad * ctx.xp.cos(x)`` runs on arrays for a plain ``backward()``; when the
engine builds a graph of the backward pass it hands in Tensors and this namespace as ``ctx.xp``,
so the same line is recorded and can be differentiated again (gradgradcheck, Hessians).
"""

from .. import compositions  # a module: graph_ops may load while compositions does
from ..ops import elementwise, linalg, movement
from ..tensor import Tensor

# The functions that are the Tensor method of the same name: xp.exp(x) is x.exp(), xp.flip(x, axes) is
# x.flip(axes) (the unbound method itself, so no extra call).
abs = Tensor.abs
sign = Tensor.sign
exp = Tensor.exp
expm1 = Tensor.expm1
log = Tensor.log
log1p = Tensor.log1p
sqrt = Tensor.sqrt
sin = Tensor.sin
cos = Tensor.cos
tanh = Tensor.tanh
cumsum = Tensor.cumsum
reshape = Tensor.reshape
broadcast_to = Tensor.broadcast_to
flip = Tensor.flip


def erf(x):
    return elementwise.Erf.apply(x)


def maximum(a, b):
    return a.maximum(b) if isinstance(a, Tensor) else b.maximum(a)


def minimum(a, b):
    return a.minimum(b) if isinstance(a, Tensor) else b.minimum(a)


def where(condition, a, b):
    return compositions.where(condition, a, b)


def sum(x, axis=None, keepdims=False):
    return x.sum(axis, keepdim=keepdims)


def amax(x, axis=None, keepdims=False):
    return x.amax(axis, keepdim=keepdims)


def prod(x, axis=None, keepdims=False):
    return x.prod(axis, keepdim=keepdims)


def einsum(equation, *operands):
    return linalg.Einsum.apply(equation, *operands)


def concatenate(xs, axis=0):
    return movement.Cat.apply(axis % xs[0].ndim, *xs)


def sum_to(x, shape):
    return x.sum_to_size(shape)


def transpose(x, axes):
    return x.permute(axes)


def swapaxes(x, a, b):
    return x.transpose(a, b)


def astype(x, dtype):
    return x.to(dtype)


def index_add(shape, index, values):
    return movement.IndexAdd.apply(values, shape, index)


def scatter_add(shape, dim, index, values):
    return movement.ScatterAdd.apply(values, shape, dim, index)


def take_along_axis(x, index, dim):
    return movement.Gather.apply(x, dim, index)


def to_backend(x, backend):
    return elementwise.ToDevice.apply(x, backend)


def is_all_finite(x):
    return bool(x.isfinite().all())


def __getattr__(name):
    """``ctx.xp.<name>`` under ``create_graph=True`` for a function with no Tensor form: a clear error."""
    if name.startswith("__"):
        raise AttributeError(name)
    defined = sorted(
        n for n, v in globals().items() if callable(v) and not n.startswith("_") and n != "Tensor"
    )
    raise AttributeError(
        f"ctx.xp.{name}: the backward pass is being recorded (create_graph=True), and {name} has no "
        f"differentiable form in autograd/graph_ops.py, which defines: {', '.join(defined)}. Write that "
        "step with Tensor operators or one of these, or add it there"
    )
