"""One differentiable operation: its forward and its backward, in two conventions that share one engine.

``Op`` — the library's own ops (``ops/``). ``forward`` receives backend arrays (NumPy on "cpu") and
returns one array; ``backward`` receives the output's gradient and returns one gradient per forward
argument (None for non-tensors)::

    class MulAdd(Op):  # z = a·b + c
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            return a * b + c

        @staticmethod
        def backward(ctx, grad):  # dz/da = b, dz/db = a, dz/dc = 1
            a, b = ctx.saved_tensors
            return grad * b, grad * a, grad

Backward is written once for two namespaces: for a plain ``backward()`` the gradient and the saved
values are arrays and ``ctx.xp`` is the array library; with ``create_graph=True`` they are Tensors
and ``ctx.xp`` is ``graph_ops``, so the backward pass is itself recorded (gradients of gradients).
Arrays keep the library's ops fast: no Tensor is built inside an op.

``Function`` — PyTorch's protocol, for ops that users write (``tg.autograd.Function``): ``forward``
and ``backward`` receive and return Tensors, several outputs are allowed, and ``ctx`` has
``mark_dirty``, ``mark_non_differentiable``, ``set_materialize_grads`` and ``needs_input_grad``.
The two meet without a special case in the engine: a ``Function`` is an ``Op`` whose ``apply`` runs
the user's ``forward`` on Tensors and whose ``ctx.backward`` is ``_through_protocol`` (Tensors in,
the user's ``backward``, checked gradients out). Several outputs hand their gradients to one hidden
node of the Function (``FunctionOutput``), so its backward runs once with all of them.
"""

import functools
import itertools
import weakref

import numpy as np

from ..jit import tape
from ..tensor import Tensor
from . import anomaly
from .grad_mode import is_grad_enabled, no_grad

# Once a tensor of a graph has been changed in place, every op recorded from then on gets the next
# number (those before keep the class default, −1). An op recorded before an in-place change of its
# input saw the input's earlier value; comparing numbers tells the engine which value that was (see
# inplace.py). Until the first change, recording skips the numbering: it is on every op's hot path.
next_sequence_number = itertools.count().__next__
numbering = False  # set by inplace.py at the first in-place change in a graph


class InputValueError(ValueError):
    """An op's own check of its inputs' values (class indices out of range): the message already names
    the public function that was called, so ``Op.apply`` raises it as it is."""


class Op:
    """Base class of the library's ops: ``forward``/``backward`` on arrays; ``MyOp.apply(*inputs)``."""

    # An op whose output may share memory with its first input (reshape, permute, slicing, ...)
    # sets this, so the two share a version counter: an in-place change through either is seen
    # by every graph that saved the other (as PyTorch's views do).
    view_of_input = False

    # False for an op whose output never has a gradient (its inputs are integers or constants): it
    # is in no graph, and the registry's tests look for it among the ops that ran, not in graphs.
    differentiable = True

    # Defaults for what most ops never set (class attributes: no per-op cost).
    saved = ()  # what forward saved for backward
    saved_versions = ()  # (version cell, version then, shape) of each saved tensor
    graph_output = None  # the output Tensor, while backward is being recorded (create_graph)
    previous = None  # an in-place op: {tensor it changed: that tensor's earlier self}
    seq = -1  # when it was recorded, once numbering is on (see next_sequence_number)

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
            if isinstance(tensor, Tensor) and tensor._data is value:
                return tensor
        if self.graph_output._data is value:
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
        try:
            ctx.xp = first._backend()
        except AttributeError:  # no Tensor among the arguments: tg.exp([1.0]), as PyTorch, refuses
            raise _no_tensor_error(cls, args) from None
        ctx.inputs = args
        ctx.needs_input_grad = needs_grad
        out = cls.run_forward(ctx, arrays, args)
        if tape.recorder is not None:  # tg.compile is recording this step: one more instruction
            tape.recorder.forward(ctx, args, arrays, out)
        version = first._version_cell if ctx.view_of_input else None
        if not (True in needs_grad and is_grad_enabled()) or out.dtype.kind != "f":  # ints carry no grad
            return Tensor._make(out, False, None, version)
        if numbering:
            ctx.seq = next_sequence_number()
        result = Tensor._make(out, True, ctx, version)
        if ctx.saved:
            ctx.saved_versions = _saved_versions(ctx.saved, args, result)
        if anomaly.enabled:
            ctx.trace = anomaly.forward_trace()
        return result

    @classmethod
    def run_forward(cls, ctx, arrays, args):
        """``forward`` on ``arrays`` (from ``args``, named in errors); a 0-d result stays an array.
        ``apply`` calls it, and so does a replay of ``tg.compile``."""
        try:
            out = cls.forward(ctx, *arrays)
        except InputValueError:
            raise
        except (ValueError, IndexError, TypeError) as error:
            raise _op_error(cls, error, args) from error
        xp = ctx.xp  # the output's backend (only ToDevice changes it)
        if type(out) is not xp.ndarray:  # NumPy turns 0-d results into scalars: keep arrays
            scalar, out = out, xp.asarray(out)
            ctx.saved = tuple(out if value is scalar else value for value in ctx.saved)
        return out

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
        """Free the saved buffers, their version records and the links to the inputs (done after
        backward): a kept output (a logged loss) then holds a small husk, not the graph."""
        self.inputs = None
        self.saved = None
        self.saved_versions = ()

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    @property
    def name(self):
        """The op's name as PyTorch prints it (``MulBackward``)."""
        return f"{type(self).__name__}Backward"


class Function(Op):
    """A differentiable operation written by the user, with PyTorch's protocol exactly.

    ``forward(ctx, *args)`` receives the Tensors (and any other arguments unchanged) and runs with
    gradient recording off; ``backward(ctx, *grad_outputs)`` receives one gradient Tensor per output
    and returns one gradient per forward argument (None where there is none)::

        class MyReLU(tg.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return input.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input

        y = MyReLU.apply(x)

    Under ``create_graph=True`` the Tensor operations inside ``backward`` are recorded, so a
    backward written with differentiable ops has correct second derivatives.
    """

    materialize_grads = True
    dirty = ()
    non_differentiable = ()

    @staticmethod
    def forward(ctx, *args):
        """Compute the output Tensor(s) from the inputs (abstract: subclasses define it)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no forward")  # abstract

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return the gradient of each forward argument (abstract: subclasses define it)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no backward")  # abstract

    # ---- the context API, as PyTorch's ----------------------------------------------------------------

    def save_for_backward(self, *tensors):
        """Keep inputs or outputs (Tensors, or None) for backward; read them back as ``ctx.saved_tensors``."""
        for i, tensor in enumerate(tensors):
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    f"{type(self).__name__}.save_for_backward: can only save Tensors or None, but "
                    f"argument {i} is of type {type(tensor).__name__} (store other values as ctx attributes)"
                )
        self.saved = tensors

    def mark_dirty(self, *tensors):
        """Declare the inputs that ``forward`` modified in place (and returns as outputs)."""
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that carry no gradient (indices, masks): they will not require grad."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """With False, a gradient of an output that did not reach it arrives as None, not zeros."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """The Tensors given to ``save_for_backward``, checked against in-place changes."""
        if self.inputs is None:
            raise RuntimeError(self.freed_message())
        self.check_versions()
        return tuple(value.unpack() if isinstance(value, _SavedOutput) else value for value in self.saved)

    # ---- applying -------------------------------------------------------------------------------------

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` on ``args`` without recording, then record one node for all its outputs."""
        ctx = cls.__new__(cls)
        _check_devices(cls, args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            result = cls.forward(ctx, *args)
        outputs = result if isinstance(result, tuple) else (result,)
        if not (any(ctx.needs_input_grad) and is_grad_enabled()):
            return result
        if tape.recorder is not None:
            tape.refuse(f"a custom autograd.Function ({cls.__name__}) is in the graph")
        ctx.inputs = args
        ctx.backend = ctx.xp = next(a for a in args if isinstance(a, Tensor))._backend()
        ctx.backward = _through_protocol  # what the engine calls, in place of the class's backward
        if numbering:
            ctx.seq = next_sequence_number()
        outputs = tuple(_record_output(ctx, args, out) for out in outputs)
        ctx.saved = tuple(_saved_value(ctx, outputs, value) for value in ctx.saved)
        ctx.saved_versions = [
            (t._version_cell, t._version_cell[0], t.shape)
            for t in ctx.saved
            if isinstance(t, (Tensor, _SavedOutput))
        ]
        ctx.output_shapes = [
            (o.shape, o.dtype) if isinstance(o, Tensor) and o._ctx is ctx else None for o in outputs
        ]
        recorded = [i for i, shape in enumerate(ctx.output_shapes) if shape is not None]
        ctx.only_output = recorded[0] if len(recorded) == 1 else None
        if len(recorded) > 1:
            _join(ctx, outputs, recorded)
        if anomaly.enabled:
            ctx.trace = anomaly.forward_trace()
        return outputs if isinstance(result, tuple) else outputs[0]

    # ---- what the engine calls (through ``_through_protocol``) -----------------------------------------

    def _grad_tensor(self, i, grad, create_graph):
        """The gradient of output ``i`` as backward receives it: a Tensor, zeros, or None."""
        if grad is None:
            if not self.materialize_grads or self.output_shapes[i] is None:
                return None
            shape, dtype = self.output_shapes[i]
            return Tensor._make(self.backend.zeros(shape, dtype=dtype))
        return grad if create_graph else Tensor._make(self.backend.asarray(grad))

    def _checked_gradient(self, i, grad, create_graph):
        """Gradient ``i`` as the engine takes it, after checking it fits forward's argument ``i``."""
        if grad is None:
            return None
        if not isinstance(grad, Tensor):
            raise TypeError(
                f"{self.name}: backward returned a {type(grad).__name__} at index {i}; "
                "expected a Tensor or None"
            )
        if not isinstance(self.inputs[i], Tensor):
            raise RuntimeError(
                f"{self.name}: backward returned a gradient different than None at position {i}, but "
                f"the corresponding forward input was not a Tensor ({type(self.inputs[i]).__name__})"
            )
        return grad if create_graph else grad._data


def _through_protocol(ctx, grad):
    """A Function's backward as the engine calls it (``ctx.backward(ctx, grad)``): the gradient of each
    output as a Tensor (zeros for an output that got none), the user's backward, its results checked."""
    if isinstance(grad, _OutputGradients):
        grads = grad.grads
    else:
        grads = [grad if i == ctx.only_output else None for i in range(len(ctx.output_shapes))]
    create_graph = ctx.graph_output is not None
    result = type(ctx).backward(ctx, *(ctx._grad_tensor(i, g, create_graph) for i, g in enumerate(grads)))
    result = result if isinstance(result, tuple) else (result,)
    if len(result) != len(ctx.inputs):
        raise RuntimeError(
            f"{ctx.name} returned an incorrect number of gradients (expected {len(ctx.inputs)}, got "
            f"{len(result)}): return one per forward argument, None for those that need none"
        )
    return tuple(ctx._checked_gradient(i, g, create_graph) for i, g in enumerate(result))


def _join(ctx, outputs, recorded):
    """Several outputs that carry gradients: each hands its gradient to one node of the Function
    (a hidden empty tensor made by ``ctx``), where they add up slot by slot before backward runs once."""
    node = Tensor._make(ctx.backend.zeros((0,)), True, ctx)
    ctx.node = weakref.ref(node)  # weakly: the node holds ctx as its op
    for i in recorded:
        out = outputs[i]
        op = FunctionOutput.__new__(FunctionOutput)
        op.inputs, op.xp, op.seq, op.needs_input_grad = (node,), ctx.backend, ctx.seq, (True,)
        op.function, op.index, op.count = ctx, i, len(outputs)
        if ctx.previous and out in ctx.previous:  # a dirty input (mark_dirty): its earlier self
            op.previous = {out: ctx.previous[out]}
        out._ctx = op


class FunctionOutput(Op):
    """Output ``index`` of a user's Function with several outputs: passes its gradient on to the
    Function's node, in the output's slot."""

    @staticmethod
    def backward(ctx, grad):
        grads = [None] * ctx.count
        grads[ctx.index] = grad
        return (_OutputGradients(grads),)

    @property
    def name(self):
        return f"{self.function.name}[{self.index}]"


class _OutputGradients:
    """The gradients of a Function's outputs on their way to its node, one slot per output. Its
    ``shape`` is the node's own (empty), so the engine adds them up like any other gradient."""

    __slots__ = ("grads",)
    shape = (0,)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        return _OutputGradients(
            [a if b is None else b if a is None else a + b for a, b in zip(self.grads, other.grads)]
        )


class _SavedOutput:
    """An output given to ``save_for_backward``, held without a reference cycle (output → node → output):
    the output itself while it lives, else its values."""

    __slots__ = ("_version_cell", "data", "ref", "shape")

    def __init__(self, tensor):
        self.ref, self.data, self._version_cell, self.shape = (
            weakref.ref(tensor),
            tensor.data,
            tensor._version_cell,
            tensor.shape,
        )

    def unpack(self):
        tensor = self.ref()
        return tensor if tensor is not None else Tensor._make(self.data, False, None, self._version_cell)


def _no_tensor_error(cls, args):
    """The TypeError for an op given no Tensor (a list, a number): the op's name and what it got."""
    got = ", ".join(type(arg).__name__ for arg in args)
    return TypeError(
        f"{cls.__name__}: expected a Tensor argument, got ({got}); wrap values in tg.tensor(...)"
    )


def _record_output(ctx, args, out):
    """Make ``out`` an output of ``ctx`` in the graph (a dirty input is changed in place to become one)."""
    if not isinstance(out, Tensor):
        return out
    if any(out is dirty for dirty in ctx.dirty):
        from . import inplace

        return inplace.became_output_of(out, ctx, args)
    if any(out is arg for arg in args):  # an input returned as it is: a new tensor on the same data
        out = Tensor._make(out.data, False, None, out._version_cell)
    differentiable = out.dtype.kind == "f" and not any(out is nd for nd in ctx.non_differentiable)
    out._requires_grad = differentiable
    out._ctx = ctx if differentiable else None
    return out


def _saved_value(ctx, outputs, value):
    """A saved output is held weakly (see ``_SavedOutput``); a saved input as it is."""
    if any(value is out for out in outputs) and value._ctx is ctx:  # (before _join)
        return _SavedOutput(value)
    return value


def once_differentiable(backward):
    """Decorate a ``Function``'s backward that is not itself differentiable: it runs without
    recording, and differentiating its result again (``create_graph=True``, then backward) raises."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            result = backward(ctx, *grad_outputs)
        recorded = [g for g in grad_outputs if isinstance(g, Tensor) and g._requires_grad]
        if not (is_grad_enabled() and recorded):
            return result
        many = isinstance(result, tuple)
        marked = tuple(
            OnceDifferentiableError.apply(g, ctx.name, *recorded) if isinstance(g, Tensor) else g
            for g in (result if many else (result,))
        )
        return marked if many else marked[0]

    return wrapper


class OnceDifferentiableError(Op):
    """The identity on a gradient computed by a ``@once_differentiable`` backward; its own backward
    raises, because that gradient cannot be differentiated again."""

    @staticmethod
    def forward(ctx, grad, name, *recorded):
        ctx.function_name = name
        return grad

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            f"trying to differentiate twice a function that was marked with @once_differentiable "
            f"({ctx.function_name})"
        )


def _check_devices(cls, args):
    tensors = [a for a in args if isinstance(a, Tensor)]
    for other in tensors[1:]:
        if type(other.data) is not type(tensors[0].data):
            _raise_mixed_devices(cls, tensors[0], other)


def _saved_versions(saved, args, result):
    """(version cell, version now, shape) of every saved array that belongs to a tensor."""
    records = []
    for tensor in (result, *args):
        if isinstance(tensor, Tensor):
            data = tensor._data
            for value in saved:
                if value is data:
                    records.append((tensor._version_cell, tensor._version_cell[0], data.shape))
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
