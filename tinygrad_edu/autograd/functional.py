"""Whole-function derivatives built on ``autograd.grad``: ``jacobian``, ``hessian``, ``vjp``, ``hvp``."""

from ..factories import zeros, zeros_like
from ..ops.movement import Cat
from .engine import grad
from .grad_mode import enable_grad


def _prepare(inputs, create_graph):
    """Inputs as fresh leaves that require grad (their own graph, unless create_graph keeps it)."""
    single = not isinstance(inputs, (tuple, list))
    inputs = (inputs,) if single else tuple(inputs)
    leaves = tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)
    return single, leaves


def jacobian(func, inputs, create_graph=False, strict=False):
    """d func / d inputs: for one input and output, a tensor of shape ``out.shape + in.shape``.

    With several inputs (a tuple) the result is a tuple, one Jacobian per input.
    """
    single, leaves = _prepare(inputs, create_graph)
    with enable_grad():
        output = func(*leaves)
    rows = [[] for _ in leaves]
    flat = output.reshape(-1)
    for j in range(flat.numel()):
        if not output.requires_grad:
            if strict:
                raise RuntimeError("jacobian: the output does not depend on the inputs (strict=True)")
            grads = (None,) * len(leaves)
        else:
            grads = grad(flat[j], leaves, retain_graph=True, create_graph=create_graph, allow_unused=True)
        for i, (leaf, g) in enumerate(zip(leaves, grads)):
            rows[i].append(zeros_like(leaf) if g is None else g)
    jacobians = tuple(
        Cat.apply(0, *(g.unsqueeze(0) for g in r)).reshape(output.shape + leaf.shape)  # tg.stack(r)
        if r
        else zeros(output.shape + leaf.shape, dtype=leaf.dtype)
        for r, leaf in zip(rows, leaves)
    )
    return jacobians[0] if single else jacobians


def hessian(func, inputs, create_graph=False, strict=False):
    """The second derivatives of a scalar ``func``: shape ``in.shape + in.shape`` for one input,
    a tuple of tuples (block ``[i][j]`` = d²f / dxᵢ dxⱼ) for several."""
    single, leaves = _prepare(inputs, create_graph)

    def gradients(*xs):
        return grad(func(*xs), xs, create_graph=True, allow_unused=True, materialize_grads=True)

    blocks = tuple(
        jacobian(lambda *xs, i=i: gradients(*xs)[i], leaves, create_graph=create_graph, strict=strict)
        for i in range(len(leaves))
    )
    return blocks[0][0] if single else blocks


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ·J)``: a vector-Jacobian product (one backward pass)."""
    single, leaves = _prepare(inputs, create_graph)
    with enable_grad():
        output = func(*leaves)
        grads = grad(output, leaves, v, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    return output.detach(), grads[0] if single else grads


def hvp(func, inputs, v, create_graph=False, strict=False):
    """``(func(inputs), H·v)`` for a scalar ``func``: a Hessian-vector product by double backward."""
    single, leaves = _prepare(inputs, create_graph)
    vs = (v,) if single else tuple(v)
    with enable_grad():
        output = func(*leaves)
        first = grad(output, leaves, create_graph=True, allow_unused=True, materialize_grads=True)
        products = grad(
            first, leaves, vs, create_graph=create_graph, allow_unused=True, materialize_grads=True
        )
    return output.detach(), products[0] if single else products


vhp = hvp  # H is symmetric for twice-differentiable functions, so vᵀH = (Hv)ᵀ
