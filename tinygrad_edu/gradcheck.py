"""Gradient checking: compare autograd's derivatives with finite differences.

The numerical derivative of f at x is the central difference (f(x + ε) − f(x − ε)) / 2ε, whose
error shrinks like ε²; the forward difference (f(x + ε) − f(x)) / ε errs like ε. In float64 with
ε = 1e-6 the central difference agrees with the true derivative to about 1e-9 for smooth f.
"""

import warnings

import numpy as np

from .autograd.engine import grad
from .autograd.grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical derivatives disagree."""


def forward_difference(f, x, h):
    """(f(x + h) − f(x)) / h: the slope of a secant through x; its error shrinks like h."""
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    """(f(x + h) − f(x − h)) / 2h: the slope of a secant centred on x; its error shrinks like h²."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_grad(f, x, eps=1e-6, method="central"):
    """The finite-difference gradient of a scalar function ``f`` at ``x``, as a NumPy array.

    >>> tg.numerical_grad(lambda x: (x ** 2).sum(), tg.tensor([1.0, 2.0], dtype=tg.float64))
    array([2., 4.])
    """
    if method not in ("central", "forward"):
        raise ValueError(f"numerical_grad: method must be 'central' or 'forward', got {method!r}")
    difference = central_difference if method == "central" else forward_difference
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))
    data = x.data
    result = np.zeros(data.shape, dtype=np.float64)
    for i in np.ndindex(data.shape):
        original = data[i].item()

        def along_element(value):
            """f as a function of element i alone."""
            data[i] = value
            with no_grad():
                out = f(x)
            return out.item() if isinstance(out, Tensor) else float(out)

        result[i] = difference(along_element, original, eps)
        data[i] = original
    return result


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check d fn / d inputs from autograd against central differences, for every input that
    requires grad. Returns True, or raises ``GradcheckError`` naming the worst element.

    >>> x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    >>> tg.gradcheck(lambda x: x.sin() * x, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: at least one input tensor must require grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}, not float64; finite differences in low "
                "precision are unreliable (use dtype=tg.float64)",
                stacklevel=2,
            )
    outputs = _outputs(fn, inputs)
    for k, output in enumerate(outputs):
        if output.dtype.kind != "f":
            continue
        analytical = _analytical_jacobian(output, [inputs[i] for i in checked])
        numerical = _numerical_jacobian(fn, inputs, checked, k, eps)
        for position, i in enumerate(checked):
            failure = _worst_mismatch(analytical[position], numerical[position], atol, rtol)
            if failure is not None:
                message = _describe(failure, i, k, inputs[i].shape, output.shape)
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check second derivatives: gradcheck of the gradient of ``fn`` (built with ``create_graph``),
    with respect to the inputs and to the gradients fed in (random when not given)."""
    inputs = _as_tuple(inputs)
    outputs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    count = len(inputs)

    def first_derivatives(*args):
        xs, seeds = args[:count], args[count:]
        with enable_grad():  # also while gradcheck evaluates finite differences under no_grad
            outs = _outputs(fn, xs)
            return grad(
                outs,
                [xs[i] for i in checked],
                seeds,
                create_graph=True,
                allow_unused=True,
                materialize_grads=True,
            )

    return gradcheck(first_derivatives, inputs + grad_outputs, eps, atol, rtol, raise_exception)


def _as_tuple(values):
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def _outputs(fn, inputs):
    outputs = fn(*inputs)
    outputs = _as_tuple(outputs)
    for k, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(f"gradcheck: output {k} of fn is a {type(output).__name__}, not a Tensor")
    return outputs


def _analytical_jacobian(output, inputs):
    """J[i][out_element, in_element] from one backward pass per output element."""
    jacobians = [np.zeros((output.numel(), x.numel())) for x in inputs]
    if not output.requires_grad:
        return jacobians  # the output does not depend on any input: all derivatives are 0
    flat_seed = np.zeros(output.numel(), dtype=output.dtype)
    for j in range(output.numel()):
        flat_seed[:] = 0
        flat_seed[j] = 1
        seed = Tensor(flat_seed.reshape(output.shape), device=output.device)
        grads = grad(output, inputs, seed, retain_graph=True, allow_unused=True)
        for position, g in enumerate(grads):
            if g is not None:
                jacobians[position][j] = np.asarray(g).reshape(-1)
    return jacobians


def _numerical_jacobian(fn, inputs, checked, k, eps):
    """J[i][out_element, in_element] by central differences of output ``k``."""
    jacobians = []
    for i in checked:
        data = inputs[i].data
        columns = []
        for index in np.ndindex(data.shape):
            original = data[index].item()
            data[index] = original + eps
            plus = _evaluate(fn, inputs, k)
            data[index] = original - eps
            minus = _evaluate(fn, inputs, k)
            data[index] = original
            columns.append((plus - minus).reshape(-1) / (2 * eps))
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((0, 0)))
    return jacobians


def _evaluate(fn, inputs, k):
    with no_grad():
        return np.asarray(_outputs(fn, inputs)[k], dtype=np.float64)


def _worst_mismatch(analytical, numerical, atol, rtol):
    """(excess, out index, in index, analytical, numerical) of the worst element, or None."""
    if analytical.shape != numerical.shape:
        numerical = numerical.reshape(analytical.shape)
    excess = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    excess = np.where(np.isnan(analytical) | np.isnan(numerical), np.inf, excess)
    if excess.size == 0 or excess.max() <= 0:
        return None
    j, e = np.unravel_index(np.argmax(excess), excess.shape)
    return excess[j, e], j, e, analytical[j, e], numerical[j, e]


def _describe(failure, input_index, output_index, input_shape, output_shape):
    _, j, e, analytical, numerical = failure
    out_at = np.unravel_index(j, output_shape) if output_shape else ()
    in_at = np.unravel_index(e, input_shape) if input_shape else ()
    return (
        f"gradcheck: Jacobian mismatch for output {output_index} with respect to input {input_index}: "
        f"worst at d output{tuple(int(v) for v in out_at)} / d input{tuple(int(v) for v in in_at)}: "
        f"analytical {analytical:.10g} vs numerical {numerical:.10g}"
    )
