"""In-place changes of tensors in the graph (``y += 1``, ``h[:, 0] = 0``, ``y.mul_(w)``), as PyTorch does.

The tensor itself changes — its buffer is overwritten, so every alias and every view sees the new
values — and the change is recorded as one more op. Three things make that work in a graph whose
nodes are the tensors themselves:

1. The new value is computed out of place from a snapshot of the old one (``earlier``): a new
   Tensor that takes over the old place in the graph (the op that made it, its hooks).
2. The tensor then becomes the output of the new op. Ops recorded *before* the change used the old
   value: each op gets a sequence number when recorded, so when the engine finds an input whose op
   is newer than the consumer, it follows ``op.previous`` back to ``earlier`` (``engine.py``).
3. A view (``v = y[0]``, ``y.T``) shares its buffer with its base: changing it changes the base, so
   the base is what is rebuilt — the old base with the view's region replaced (``SetItem``) — and
   the view becomes the same view of the new base.

Values that an earlier op saved for backward and that the change overwrote are caught by the
version counter: that backward raises (``y = x.exp(); y += 1``), as in PyTorch.
"""

from ..backend.generator import sampler
from ..jit import tape
from ..ops.movement import Expand, SetItem
from ..tensor import Tensor
from . import function
from .grad_mode import is_grad_enabled

# Set by the first in-place change recorded in a graph: until then the engine skips looking for
# inputs changed since their consumer was recorded (a check on every edge of every backward), and
# ops are recorded without a sequence number (function.numbering).
changes_recorded = False


def change(tensor, op_name, compute):
    """Overwrite ``tensor`` with ``compute(earlier)`` (a Tensor of the new values), recorded in the graph."""
    _note_change()  # before the new op is recorded: it must be numbered
    base, views = _base_and_views(tensor, op_name)
    earlier = _snapshot(tensor)
    new = _fitted(compute(earlier), tensor, op_name)
    if base is tensor:
        _become(tensor, new, earlier)
        return tensor
    earlier_base = _snapshot(base)
    positions = _replay(views, _positions(base))  # where each element of the view sits in the base
    flat = SetItem.apply(earlier_base.reshape(-1), positions.data.reshape(-1), new.reshape(-1))
    _become(base, flat.reshape(base.shape), earlier_base)
    _become(tensor, _replay(views, base), earlier, copy=False)  # same memory: already up to date
    return tensor


def became_output_of(tensor, ctx, args):
    """``ctx.mark_dirty(tensor)``: ``forward`` changed the input ``tensor``; it becomes ``ctx``'s output."""
    name = f"{type(ctx).__name__} (mark_dirty)"
    if tensor._requires_grad and tensor._ctx is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad has been used in an in-place operation"
        )
    base, _ = _base_and_views(tensor, name)
    if base is not tensor:
        raise RuntimeError(
            f"{name}: a view (shape {tensor.shape}) was marked dirty; changing views in place inside a "
            "custom Function is not supported — mark_dirty the base tensor, or clone the view first"
        )
    earlier = _graph_place(tensor, tensor.data, tensor._version_cell)  # its values are already overwritten
    ctx.inputs = tuple(earlier if arg is tensor else arg for arg in ctx.inputs)
    _note_change()
    ctx.seq = function.next_sequence_number()  # the newest op: forward recorded nothing
    ctx.previous = {**(ctx.previous or {}), tensor: earlier}
    tensor._ctx, tensor._requires_grad = ctx, True
    return tensor


# ---- Tensor's in-place methods (``add_``, ``t[i] = v``, ...) start here ----------------------------------


def _inplace(tensor, op, other, mutation, compute):
    """An in-place op: ``function(tensor.data, *arguments)`` outside the graph (``mutation`` is
    ``(function, *arguments)``, e.g. ``(_iadd, value)``); inside it, recorded as PyTorch does.

    Allowed on tensors that do not require grad and on leaves inside ``no_grad()``; on a leaf that
    requires grad it raises; on a tensor of the graph (or with an operand that requires grad) the
    tensor is changed to ``compute(old)`` and the change is recorded (``change`` above).
    """
    if is_grad_enabled() and (tensor._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        if tensor._requires_grad and tensor._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
                "(wrap the update in `with tg.no_grad():`)"
            )
        return change(tensor, op, compute)
    function, *arguments = mutation
    if tape.recorder is not None:  # tg.compile: the change is an instruction of the step (BatchNorm's stats)
        tape.recorder.mutated(tensor, function, arguments)
    try:
        function(tensor.data, *arguments)
    except (TypeError, ValueError, IndexError) as error:  # NumPy's casting / read-only / shape errors
        given = f", other operand of shape {tuple(other.shape)}" if hasattr(other, "shape") else ""
        kind = IndexError if isinstance(error, IndexError) else RuntimeError  # t[4] = 1 on 3 elements
        raise kind(f"{op}: {error} (tensor of shape {tensor.shape}, dtype {tensor.dtype}{given})") from None
    tensor._version_cell[0] += 1
    return tensor


def _value(value, tensor):
    """The raw value of an in-place operand: a number, or an array on the tensor's device."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, Tensor):
        if type(value.data) is not type(tensor.data):
            raise RuntimeError(
                f"in-place: expected both tensors on one device, got {tensor.device} and {value.device}"
            )
        return value.data
    return tensor._like(value).data


def _scaled(other, alpha, tensor):
    """``alpha · other`` for ``add_``/``sub_`` (a list or array operand becomes a tensor first)."""
    return other * alpha if isinstance(other, (Tensor, int, float)) else tensor._like(other) * alpha


def _iadd(d, v):
    d += v


def _isub(d, v):
    d -= v


def _imul(d, v):
    d *= v


def _idiv(d, v):
    d /= v


def _assign(d, index, v):
    d[index] = v


def _clip(d, lo, hi, clip):
    clip(d, lo, hi, out=d)


def _arithmetic(tensor, op, other, alpha, mutate, compute):
    """``add_``, ``sub_``, ``mul_``, ``div_``: ``mutate(data, value)`` (``d += v``), or in the graph
    ``compute(old, other)`` (``old + other``)."""
    scaled = other if alpha == 1 else _scaled(other, alpha, tensor)
    value = _value(scaled, tensor)
    return _inplace(tensor, op, other, (mutate, value), lambda old: compute(old, scaled))


def _clamp(tensor, min, max):
    """``clamp_``: NumPy's ``clip`` into the data, or in the graph ``old.clamp(min, max)``."""
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    lo, hi = _value(min, tensor), _value(max, tensor)
    mutation = (_clip, lo, hi, tensor._backend().clip)
    return _inplace(tensor, "clamp_", None, mutation, lambda old: old.clamp(min, max))


def _fill_random(tensor, op, first, second, generator):
    """``uniform_(a, b)`` (U(a, b)) or ``normal_(mean, std)`` (N(mean, std²)): samples ``copy_``-ed in."""
    xp = tensor._backend()
    if op == "uniform_":
        if not first <= second:
            raise RuntimeError(f"uniform_: expects a range [a, b) with a <= b, got a={first}, b={second}")
        sample = sampler(xp, generator).random(tensor.shape) * (second - first) + first
    else:
        if not second >= 0:
            raise RuntimeError(f"normal_: expects std >= 0, got std={second}")
        sample = sampler(xp, generator).standard_normal(tensor.shape) * second + first
    return _setitem(tensor, Ellipsis, sample, op)


def _setitem(tensor, index, value, op):
    """``tensor[index] = value`` (also ``fill_``, ``copy_``): into the data, or in the graph ``SetItem``."""
    source = _value(value, tensor)
    replaced = value if isinstance(value, Tensor) else source
    return _inplace(
        tensor,
        op,
        value,
        (_assign, index, source),
        lambda old: SetItem.apply(old, index, replaced),
    )


# ---- the steps ------------------------------------------------------------------------------------------


def _base_and_views(tensor, op_name):
    """The tensor that owns the memory, and the view ops leading from it down to ``tensor``."""
    views = []
    base = tensor
    while True:
        ctx = base._ctx
        if (
            ctx is None
            or not ctx.view_of_input
            or ctx.inputs is None
            or ctx.inputs[0]._version_cell is not base._version_cell
        ):
            break
        views.append(ctx)
        base = ctx.inputs[0]
    if any(isinstance(ctx, Expand) for ctx in views):
        raise RuntimeError(
            f"{op_name}: unsupported operation: more than one element of the written-to tensor (shape "
            f"{tensor.shape}, an expanded view) refers to a single memory location; clone it first"
        )
    if views and base._requires_grad and base._ctx is None:
        raise RuntimeError(
            f"{op_name}: a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation (view of shape {tensor.shape}, leaf of shape {base.shape}); wrap it in "
            "`with tg.no_grad():`"
        )
    return base, views[::-1]  # base first


def _snapshot(tensor):
    """A copy of ``tensor``'s values that takes over its place in the graph."""
    return _graph_place(tensor, tensor._backend().array(tensor.data), None)


def _graph_place(tensor, data, version_cell):
    """A new Tensor standing where ``tensor`` stood in the graph (its op and its hooks move there)."""
    earlier = Tensor._make(data, tensor._requires_grad, tensor._ctx, version_cell)
    earlier._hooks, tensor._hooks = tensor._hooks, None  # PyTorch keeps hooks with the old node
    return earlier


def _fitted(new, tensor, op_name):
    """The new value, checked against the tensor it overwrites (same shape; cast to its dtype)."""
    if new.shape != tensor.shape:
        raise RuntimeError(
            f"{op_name}: output with shape {tensor.shape} doesn't match the broadcast shape {new.shape}"
        )
    if new.dtype != tensor.dtype:
        if tensor.dtype.kind != "f":
            raise RuntimeError(
                f"{op_name}: result type {new.dtype} can't be cast to the tensor's dtype {tensor.dtype}"
            )
        new = new.to(tensor.dtype)
    return new


def _become(tensor, new, earlier, copy=True):
    """``tensor`` takes ``new``'s values (in its own buffer) and ``new``'s place as an op's output."""
    if copy:
        tensor.data[...] = new.data
        tensor._version_cell[0] += 1
    ctx = new._ctx
    tensor._ctx, tensor._requires_grad = ctx, new._requires_grad
    if ctx is None:
        return
    ctx.previous = {tensor: earlier}
    if ctx.saved:  # an op that saved its own output (exp, sigmoid, ...) now finds it in the tensor
        ctx.saved = tuple(tensor.data if value is new.data else value for value in ctx.saved)
        ctx.saved_versions = [
            (tensor._version_cell, tensor._version_cell[0], shape)
            if cell is new._version_cell
            else (cell, version, shape)
            for cell, version, shape in ctx.saved_versions
        ]


def _note_change():
    global changes_recorded
    changes_recorded = function.numbering = True


def _positions(base):
    """An integer tensor shaped like ``base`` holding each element's flat position."""
    xp = base._backend()
    return Tensor._make(xp.reshape(xp.arange(base.data.size), base.shape))


def _replay(views, tensor):
    """Apply the same view ops (reshape, slicing, permute, ...) to another tensor."""
    for ctx in views:
        tensor = type(ctx).apply(tensor, *ctx.inputs[1:])
    return tensor
