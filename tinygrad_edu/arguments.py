"""Argument normalisation for Tensor's methods: dims, shapes and indices in every form PyTorch and
NumPy accept, checked, with errors that name the op."""

import numpy as np

from .tensor import Tensor


def _plain(data):
    """Nested lists/tuples that may hold tensors, as plain Python/NumPy values."""
    if isinstance(data, (list, tuple)):
        return [_plain(item) for item in data]
    if isinstance(data, Tensor):
        return data.data.tolist() if data._backend().name == "cpu" else data.numpy().tolist()
    return data


def _aliases(dim, keepdim, axis, keepdims, op):
    """NumPy's spellings ``axis=`` / ``keepdims=`` of ``dim`` / ``keepdim`` (PyTorch accepts both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and axis (axis is NumPy's name for dim: pass one)")
        dim = axis
    return dim, keepdim if keepdims is None else bool(keepdims)


def _dim(dim, ndim, op):
    """``dim`` as a non-negative int, or an IndexError naming ``op``."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % max(ndim, 1)


def _axes(dim, ndim, op):
    """``dim`` (None, an int or a sequence) as None or a sorted tuple of non-negative ints."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted({_dim(d, ndim, op) for d in dim}))
        if len(axes) != len(dim):
            raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
        return axes if ndim else None
    return (_dim(dim, ndim, op),) if ndim else None


def _reduce_dims(tensor, dim, keepdim, axis, keepdims, op):
    """``(axes, keepdim)`` of a reduction: NumPy's spellings taken, ``dim`` checked against ``tensor``."""
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims, op)
    return _axes(dim, tensor.ndim, op), keepdim


def _shape_arg(args, op):
    """Shapes given as ints (``reshape(2, 3)``) or as one sequence (``reshape((2, 3))``)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"{op}: sizes must be ints, got {args!r}")
    return tuple(int(n) for n in args)


def _check_reshape(tensor, shape, op):
    """``shape`` if the elements fit it (with one -1 inferred), else a clear RuntimeError."""
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    unknown = shape.count(-1)
    size = tensor.numel()
    fits = (unknown == 0 and known == size) or (unknown == 1 and known > 0 and size % known == 0)
    if unknown > 1 or not fits or any(n < -1 for n in shape):
        raise RuntimeError(
            f"{op}: shape {shape} is invalid for input of shape {tensor.shape} ({size} elements)"
        )
    return shape


def _index_arg(index, tensor):
    """An index with Tensors and lists replaced by arrays."""
    items = index if isinstance(index, tuple) else (index,)
    converted = []
    for item in items:
        if isinstance(item, Tensor):
            if type(item.data) is not type(tensor.data):
                raise RuntimeError(
                    f"index: the tensor is on {tensor.device} but an index tensor is on {item.device}"
                )
            if item.dtype.kind not in "biu":
                raise IndexError(
                    f"index: tensors used as indices must be long, int or bool, got {item.dtype}"
                )
            item = item.data
        elif isinstance(item, list):
            item = tensor._backend().asarray(item)
        converted.append(item)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def _checked_grad(tensor, grad):
    """``tensor.grad = grad``: None, or a Tensor of the tensor's shape, dtype and device."""
    if grad is None:
        return None
    if not isinstance(grad, Tensor):
        raise TypeError(f"grad: expected a Tensor or None, got {type(grad).__name__}")
    if grad.shape != tensor.shape:
        raise RuntimeError(
            f"grad: assigned grad has shape {grad.shape}, but the tensor has shape {tensor.shape}"
        )
    if grad.dtype != tensor.dtype or grad.device != tensor.device:
        raise RuntimeError(
            f"grad: assigned grad is a {grad.dtype} tensor on {grad.device}, but the tensor is "
            f"{tensor.dtype} on {tensor.device}; they must match"
        )
    return grad


def _checked_requires_grad(tensor, requires_grad):
    """``requires_grad_``'s flag, if it may be set: only floating tensors, and only on leaves."""
    if requires_grad and tensor.dtype.kind != "f":
        raise RuntimeError(
            f"requires_grad_: only tensors of floating point dtype can require gradients, got {tensor.dtype}"
        )
    if not requires_grad and tensor._ctx is not None:
        raise RuntimeError(
            "requires_grad_: you can only change requires_grad flags of leaf tensors; use detach()"
        )
    return bool(requires_grad)


def _few(values, mask=None):
    """A short description of the offending values (at most five distinct ones), for error messages:
    of a Tensor or an array (an op's own check)."""
    picked = values if mask is None else values[mask]
    distinct = sorted(set(picked.reshape(-1).tolist()))
    more = ", ..." if len(distinct) > 5 else ""
    return f"values {distinct[:5]}{more}"
