"""Gradient clipping and parameter/vector conversion, as ``torch.nn.utils``.

Clipping keeps one bad batch from throwing the weights far away (exploding gradients in deep or
recurrent networks, Pascanu et al. 2013): either rescale all gradients together so their joint norm
is at most ``max_norm``, or clamp each element to [−clip_value, clip_value].
"""

import math

from ..autograd.grad_mode import no_grad
from ..functions import cat, stack
from ..jit import tape
from ..tensor import Tensor


def _as_list(parameters):
    """A single tensor or an iterable of them (a generator too) as a list."""
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


@tape.replayed_whole
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients in place by min(1, max_norm / (‖g‖ + 1e-6)), where ‖g‖ is the ``norm_type``-norm of
    all gradients together (as if concatenated into one vector). Returns that total norm, as a tensor.

    >>> loss.backward()
    >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> optimizer.step()
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"clip_grad_norm_: norm_type must be a number or inf, got {norm_type!r}") from None
    if not grads:
        return Tensor(0.0)
    with no_grad():
        device = grads[0].device
        norms = stack([g.detach().norm(norm_type).to(device) for g in grads])  # one norm per tensor ...
        total = norms.norm(norm_type)  # ... and the norm of those is the norm of all elements
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the gradients by the "
                "non-finite norm anyway, set `error_if_nonfinite=False`"
            )
        coefficient = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coefficient.to(device=g.device, dtype=g.dtype))
    return total


@tape.replayed_whole
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one vector (for derivative-free methods, line searches)."""
    return cat([p.reshape(-1) for p in _as_list(parameters)])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters, in place (the inverse of the above)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got {type(vec).__name__}")
    parameters = _as_list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: the vector has {vec.numel()} elements, the parameters {total}"
        )
    start = 0
    with no_grad():
        for p in parameters:
            p.copy_(vec[start : start + p.numel()].reshape(p.shape))
            start += p.numel()
