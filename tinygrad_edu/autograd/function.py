"""``Function``: one differentiable operation, its forward and its backward.

Every op of the library — and every custom op a user writes — is a subclass::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a

``forward`` receives backend arrays (NumPy on "cpu") and returns one array. ``backward`` receives
the output's gradient and returns one gradient per forward argument (None for non-tensors).
The engine sums each gradient back to its input's shape, so broadcasting is undone in one place.

Backward is written once for two namespaces: for a plain ``backward()`` the gradient and the saved
values are arrays and ``ctx.xp`` is the array library; with ``create_graph=True`` they are Tensors
and ``ctx.xp`` is ``graph_ops``, so the backward pass is itself recorded (gradients of gradients).
Write backward with operators and ``ctx.xp.<name>`` functions only, never array methods.
"""

import numpy as np

from . import anomaly
from .grad_mode import is_enabled


class Function:
    """Base class of differentiable operations; call ``MyOp.apply(*inputs)`` to use one."""

    # An op whose output may share memory with its first input (reshape, permute, slicing, ...)
    # sets this, so the two share a version counter: an in-place change through either is seen
    # by every graph that saved the other (as PyTorch's views do).
    view_of_input = False

    # Defaults for what most ops never set (class attributes: no per-op cost).
    saved = ()  # what forward saved for backward
    saved_versions = ()  # (version cell, version then, shape) of each saved tensor
    graph_output = None  # the output Tensor, while backward is being recorded (create_graph)

    @staticmethod
    def forward(ctx, *args):
        """Compute the output array from input arrays (abstract: subclasses define it)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no forward")  # abstract

    @staticmethod
    def backward(ctx, grad_output):
        """Return the gradient of each forward argument (abstract: subclasses define it)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no backward")  # abstract

    # ---- the context API used inside forward/backward -------------------------------------------

    def save_for_backward(self, *values):
        """Keep input or output arrays (or masks) for backward. Save the arrays themselves."""
        self.saved = values

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` kept: arrays, or Tensors while a graph of backward is built."""
        if self.inputs is None:
            raise RuntimeError(self.freed_message())
        if self.graph_output is None:
            return self.saved
        return tuple(self._as_graph_tensor(value) for value in self.saved)

    def freed_message(self):
        """The error for using a context whose saved values were freed by an earlier backward."""
        return (
            f"{type(self).__name__}: trying to backward through the graph a second time (or to "
            "read saved tensors after they were freed). Saved intermediate values of the graph "
            "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True "
            "if you need to backward through the graph a second time."
        )

    def _as_graph_tensor(self, value):
        """Map a saved array back to the Tensor it belongs to, so second derivatives flow through it."""
        for tensor in self.inputs:
            if isinstance(tensor, Tensor) and tensor.data is value:
                return tensor
        if self.graph_output.data is value:
            return self.graph_output
        if not hasattr(value, "shape"):  # a Python number saved alongside
            return value
        # a mask or other constant of the forward pass (NumPy turns 0-d results into scalars: re-wrap)
        return Tensor._make(self.graph_output._backend().asarray(value))

    # ---- applying an op ---------------------------------------------------------------------------

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` on the arrays of ``args`` and, if grad is on, record the op in the graph."""
        ctx = cls.__new__(cls)
        arrays = []
        needs_grad = []
        first = None
        for arg in args:
            if isinstance(arg, Tensor):
                if first is None:
                    first = arg
                elif type(arg._data) is not type(first._data):
                    _raise_mixed_devices(cls, first, arg)
                arrays.append(arg._data)
                needs_grad.append(arg._requires_grad)
            else:  # a NumPy scalar acts as a Python number (np.float64 must not widen float32)
                arrays.append(arg.item() if isinstance(arg, np.generic) else arg)
                needs_grad.append(False)
        xp = ctx.xp = first._backend()
        ctx.inputs = args
        ctx.needs_input_grad = needs_grad
        try:
            out = cls.forward(ctx, *arrays)
        except (ValueError, IndexError, TypeError) as error:
            raise _op_error(cls, error, args) from error
        xp = ctx.xp  # the output's backend (only ToDevice changes it)
        if type(out) is not xp.ndarray:  # NumPy turns 0-d results into scalars: keep arrays
            scalar, out = out, xp.asarray(out)
            ctx.saved = tuple(out if value is scalar else value for value in ctx.saved)
        version = first._vc if ctx.view_of_input else None
        if not (True in needs_grad and is_enabled()) or out.dtype.kind != "f":  # ints carry no grad
            return Tensor._make(out, False, None, version)
        result = Tensor._make(out, True, ctx, version)
        if ctx.saved:
            ctx.saved_versions = _saved_versions(ctx.saved, args, result)
        if anomaly.enabled:
            ctx.trace = anomaly.forward_trace()
        return result

    # ---- used by the backward loop ----------------------------------------------------------------

    def check_versions(self):
        """Raise if a saved value was modified in place after the forward pass."""
        for cell, version, shape in self.saved_versions:
            if cell[0] != version:
                raise RuntimeError(
                    f"{type(self).__name__}: one of the variables needed for gradient computation "
                    f"has been modified by an inplace operation: a tensor of shape {shape} is at "
                    f"version {cell[0]}; expected version {version}. Do the in-place change after "
                    "backward, or out of place (x = x + 1)."
                )

    def release(self):
        """Free the saved buffers and the links to the inputs (done after backward)."""
        self.inputs = None
        self.saved = None

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    @property
    def name(self):
        """The op's name as PyTorch prints it (``MulBackward``)."""
        return f"{type(self).__name__}Backward"


def _saved_versions(saved, args, result):
    """(version cell, version now, shape) of every saved array that belongs to a tensor."""
    records = []
    for tensor in (result, *args):
        if isinstance(tensor, Tensor):
            data = tensor.data
            for value in saved:
                if value is data:
                    records.append((tensor._vc, tensor._vc[0], data.shape))
                    break
    return records


def _op_error(cls, error, args):
    """The array library's error, re-raised with the op's name and what it was given."""
    described = ", ".join(
        f"tensor of shape {a.shape} ({a.dtype})" if isinstance(a, Tensor) else repr(a) for a in args
    )
    for kind in (IndexError, ValueError, TypeError):
        if isinstance(error, kind):
            return kind(f"{cls.__name__}: {error} (called with {described})")


def _raise_mixed_devices(cls, a, b):
    raise RuntimeError(
        f"{cls.__name__}: expected all tensors to be on the same device, but found at least two "
        f"devices, {a.device} and {b.device}"
    )


from ..tensor import Tensor  # noqa: E402  (Tensor's methods are built from Functions: a cycle)
