"""The backward pass: walk the graph in reverse topological order and apply the chain rule.

The walk is iterative (no Python recursion), so a graph 100,000 ops deep is fine. Each tensor's
gradient is the sum of what its consumers send it; each op's ``backward`` turns that into gradients
for its inputs, summed back to the input's shape (``sum_to``), which undoes broadcasting once for
every op.
"""

import contextlib
import sys
import threading

from ..factories import zeros_like
from ..jit import tape
from ..tensor import Tensor
from . import anomaly, graph_ops, inplace
from .grad_mode import no_grad, set_grad_enabled

_running = threading.local()  # .callbacks: one list per backward pass now running in this thread


def queue_callback(callback):
    """Call ``callback()`` once the backward pass now running has finished and every ``.grad`` is
    in (PyTorch's ``Variable._execution_engine.queue_callback``). A hook calls it: this is how
    ``DistributedDataParallel`` averages the gradients after each ``backward``."""
    stack = getattr(_running, "callbacks", None)
    if not stack:
        raise RuntimeError("queue_callback: no backward pass is running (call it from a hook)")
    stack[-1].append(callback)


@contextlib.contextmanager
def observe_steps(observer):
    """Within the block, call ``observer(ctx, output, grad, input_grads)`` after each chain-rule step
    of this thread's backward passes: the op's node, the tensor whose gradient ``grad`` arrived, and
    what the op's backward returned for ``ctx.inputs`` (arrays; Tensors under ``create_graph``).
    It watches the one real pass, changing nothing: ``viz.trace_backward`` is built on it."""
    observers = _running.__dict__.setdefault("observers", [])
    observers.append(observer)
    try:
        yield
    finally:
        observers.remove(observer)


def _with_callbacks(run):
    """Run ``run()`` as one backward pass, then the callbacks queued during it (if it succeeded)."""
    stack = _running.__dict__.setdefault("callbacks", [])
    stack.append([])
    try:
        result = run()
    finally:
        callbacks = stack.pop()
    for callback in callbacks:
        callback()
    return result


def topological_order(roots):
    """Tensors that require grad, each after everything it was computed from (inputs first)."""
    order, visited = [], set()
    stack = [(root, False) for root in roots if root._requires_grad]
    rewire = inplace.changes_recorded  # no in-place change of a graph tensor yet: skip the check below
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if tensor in visited:
            continue
        visited.add(tensor)
        stack.append((tensor, True))
        ctx = tensor._ctx
        if ctx is None:
            continue
        if ctx.inputs is None:
            raise RuntimeError(ctx.freed_message())
        for parent in ctx.inputs:
            if isinstance(parent, Tensor):
                if rewire and parent._ctx is not None and parent._ctx.seq > ctx.seq:  # changed since
                    parent = _rewire(ctx, parent)
                if parent._requires_grad and parent not in visited:
                    stack.append((parent, False))
    return order


def _rewire(consumer, changed):
    """Point ``consumer`` at the input as it saw it: the tensor that stood in ``changed``'s place
    before the in-place ops newer than ``consumer`` (see ``inplace.py``)."""
    earlier = changed
    while earlier._ctx is not None and earlier._ctx.seq > consumer.seq and earlier._ctx.previous:
        earlier = earlier._ctx.previous[earlier]
    consumer.inputs = tuple(earlier if t is changed else t for t in consumer.inputs)
    return earlier


def run_backward(roots, seeds, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``seeds`` (d root) back through the graph.

    With ``inputs=None`` gradients accumulate into ``.grad`` of leaves (and of tensors that
    ``retain_grad()``); otherwise the gradients of ``inputs`` are returned and ``.grad`` is untouched.
    """
    order = topological_order(roots)
    grads = {}
    for root, seed in zip(roots, seeds):
        _add(grads, root, seed)
    wanted = None if inputs is None else {t: None for t in inputs}
    observers = getattr(_running, "observers", None)
    with set_grad_enabled(create_graph):
        for tensor in reversed(order):
            grad = grads.pop(tensor, None)
            if grad is None:
                continue
            if tensor._hooks:
                grad = _run_hooks(tensor, grad, create_graph)
            ctx = tensor._ctx
            if wanted is not None:
                if tensor in wanted:
                    wanted[tensor] = grad
            elif ctx is None or tensor._retains_grad:
                _accumulate(tensor, grad, create_graph)
            if ctx is None:
                continue
            input_grads = _call_backward(ctx, tensor, grad, create_graph)
            if observers:
                for observe in observers:
                    observe(ctx, tensor, grad, input_grads)
            _send_to_inputs(grads, ctx, input_grads, graph_ops if create_graph else ctx.xp)
            del grad, input_grads  # hold no gradient longer than needed (see _unshared)
            if not retain_graph:
                ctx.release()
    return wanted


def _call_backward(ctx, tensor, grad, create_graph):
    """One chain-rule step: the op's backward, in array or graph mode."""
    ctx.check_versions()
    if create_graph:
        ctx.graph_output, array_xp, ctx.xp = tensor, ctx.xp, graph_ops
        try:
            input_grads = ctx.backward(ctx, grad)
        finally:
            ctx.graph_output, ctx.xp = None, array_xp
    else:
        input_grads = ctx.backward(ctx, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) != len(ctx.inputs):
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned {len(input_grads)} gradients, but forward "
            f"took {len(ctx.inputs)} arguments (return None for those that need none)"
        )
    if anomaly.enabled:
        anomaly.check_finite(ctx, input_grads, ctx.xp)
    return input_grads


def _send_to_inputs(grads, ctx, input_grads, xp):
    """Add each input's gradient to its running total, summed back to the input's shape."""
    for parent, parent_grad in zip(ctx.inputs, input_grads):
        if parent_grad is not None and isinstance(parent, Tensor) and parent._requires_grad:
            shape = parent._data.shape
            if parent_grad.shape != shape:
                _check_shape(ctx, parent, parent_grad.shape, shape)
                parent_grad = xp.sum_to(parent_grad, shape)  # undo broadcasting
            _add(grads, parent, parent_grad)


def _check_shape(ctx, parent, grad_shape, input_shape):
    """A gradient must have its input's shape, or a shape the input broadcast to (then it is summed)."""
    lead = len(grad_shape) - len(input_shape)
    if lead < 0 or any(n != 1 and n != g for n, g in zip(input_shape, grad_shape[lead:])):
        i = next(i for i, t in enumerate(ctx.inputs) if t is parent)
        raise RuntimeError(
            f"{ctx.name} returned an invalid gradient at index {i} - got {list(grad_shape)} but "
            f"expected shape compatible with {list(input_shape)}"
        )


def _add(grads, tensor, grad):
    """Sum gradient contributions per tensor (out of place: contributions may share memory)."""
    previous = grads.get(tensor)
    grads[tensor] = grad if previous is None else previous + grad


def _run_hooks(tensor, grad, create_graph):
    """Call ``register_hook`` functions with the gradient as a Tensor; a hook may replace it."""
    for hook in list(tensor._hooks.values()):
        # asarray: NumPy turns 0-d results into scalars, which a Tensor must not wrap
        as_tensor = grad if create_graph else Tensor._make(tensor._backend().asarray(grad))
        result = hook(as_tensor)
        if result is not None:
            if not isinstance(result, Tensor) or result.shape != as_tensor.shape:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} has changed the size of value: it returned "
                    f"{_described(result)} for a gradient of shape {tuple(as_tensor.shape)}"
                )
            grad = result if create_graph else result.data
    return grad


def _described(value):
    return f"shape {tuple(value.shape)}" if isinstance(value, Tensor) else f"a {type(value).__name__}"


def _accumulate(tensor, grad, create_graph):
    """Add ``grad`` into ``tensor.grad``, as PyTorch does across backward calls."""
    if create_graph:
        grad = grad if grad.dtype == tensor.dtype else grad.to(tensor.dtype)
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad
        return
    xp = tensor._backend()
    grad = xp.astype(xp.asarray(grad), tensor._data.dtype)
    held = tensor._grad
    if held is None:
        tensor._grad = Tensor._make(grad if _unshared(grad) else xp.array(grad))
    elif held._requires_grad:
        tensor._grad = Tensor._make(held._data + grad)
    else:
        held._data += grad
        held._version_cell[0] += 1


def _unshared(grad):
    """True when nothing but the backward loop holds ``grad``, so a leaf may keep it as its
    ``.grad`` without a copy (PyTorch's AccumulateGrad "steals" such a gradient the same way).
    Gradients flowing back often share memory — Add hands one array to both inputs, reshape hands
    on a view — and a leaf's ``.grad`` is modified in place later (accumulation, clipping)."""
    # Three references are the loop's own: run_backward's variable, _accumulate's, this argument.
    owner = getattr(grad, "base", None)
    return owner is None and sys.getrefcount(grad) <= 3 + 1  # + getrefcount's own argument


def backward(tensor, gradient=None, retain_graph=False, create_graph=False, inputs=None):
    """``tensor.backward(...)``: accumulate d tensor / d leaf into every leaf's ``.grad``."""
    if not tensor._requires_grad:
        raise RuntimeError(
            "backward: element 0 of tensors does not require grad and does not have a grad_fn "
            "(did you create it under no_grad, or from tensors without requires_grad=True?)"
        )
    if tape.recorder is not None and tape.recorder.run_backward(
        tensor, gradient, retain_graph, create_graph, inputs
    ):
        return  # tg.compile recorded this backward pass as instructions (and ran them)
    seed = _seed(tensor, gradient, create_graph, "backward")
    retain = retain_graph or create_graph
    if inputs is None:
        _with_callbacks(lambda: run_backward([tensor], [seed], retain, create_graph))
        return
    inputs = _as_tuple(inputs)

    def run():
        found = run_backward([tensor], [seed], retain, create_graph, inputs)
        for leaf, grad in found.items():
            if grad is not None:
                _accumulate(leaf, grad, create_graph)

    _with_callbacks(run)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    allow_unused=False,
    materialize_grads=False,
):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (``.grad`` untouched).

    >>> x = tg.tensor(3.0, requires_grad=True)
    >>> (dx,) = tg.autograd.grad(x**2, x, create_graph=True)   # 6, and differentiable again
    """
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad")
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"autograd.grad: output {i} does not require grad and does not have a grad_fn")
    seeds = [_seed(o, g, create_graph, "autograd.grad") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    found = _with_callbacks(lambda: run_backward(list(outputs), seeds, retain, create_graph, inputs))
    result = []
    for i, t in enumerate(inputs):
        g = found[t]
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError(
                    f"autograd.grad: input {i} (shape {t.shape}) was not used in the graph of the "
                    "outputs; pass allow_unused=True if this is intended"
                )
            result.append(zeros_like(t) if materialize_grads else None)
        else:
            result.append(g if create_graph else Tensor._make(t._backend().asarray(g)))
    return tuple(result)


def _seed(tensor, gradient, create_graph, who):
    """The starting gradient d tensor / d tensor: ones for a scalar, else the one supplied."""
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs; this tensor has "
                f"shape {tensor.shape}, so pass a gradient of that shape (e.g. tensor.backward("
                "tg.ones_like(tensor)))"
            )
        seed = tensor._backend().ones_like(tensor.data)
        return Tensor._make(seed) if create_graph else seed
    if not isinstance(gradient, Tensor):
        gradient = Tensor(gradient, dtype=tensor.dtype, device=tensor.device)
    if gradient.shape != tensor.shape:
        raise RuntimeError(
            f"{who}: mismatch in shape: gradient has shape {gradient.shape} but the output has "
            f"shape {tensor.shape}"
        )
    return gradient if create_graph else gradient.data


def _as_tuple(values):
    if isinstance(values, Tensor) or values is None:
        return (values,)
    return tuple(values)


def zero_grad_of(params, set_to_none=True):
    """PyTorch's ``zero_grad`` of ``Optimizer`` and ``Module`` both (it lives here, below both, as it
    undoes what backward accumulates): ``p.grad = None`` (default), or zero the same grad tensor in
    place (detached first if it was built with ``create_graph=True``)."""
    for param in params:
        grad = param.grad
        if grad is None:
            continue
        if set_to_none:
            param.grad = None
            continue
        if grad.grad_fn is not None:
            grad.detach_()
        else:
            grad.requires_grad_(False)
        with no_grad():
            grad.zero_()
