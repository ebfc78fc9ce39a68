"""A recorded step as a flat list of instructions, and its replay: the engine without Tensors.

Every value of the step — the input arrays, each op's output, each gradient — has a numbered slot.
An instruction reads its arguments from slots and writes its result to a slot:

    Forward     slots[t] = Op.forward(ctx, *arguments)       one op of the step, as Op.apply runs it
    Backward    slots[t…] = Op.backward(ctx, slots[g])      one chain-rule step, as the engine runs it
    SumTo       slots[t] = sum_to(slots[s], shape)          a gradient summed back to its input's shape
    Add         slots[t] = slots[a] + slots[b]              two contributions to one gradient
    Accumulate  param.grad += slots[s]                      a leaf's gradient, as the engine stores it
    Mutate      iadd(tensor, slots[v])                      an in-place change outside the graph
    Fill        slots[t] = array                            the seed of backward (ones)
    Call        optimizer.step() / zero_grad() / ...        a library call replayed whole

Replaying runs the list top to bottom. What eager execution does around the same array math — build
a Tensor and a context per op, check devices and dtypes, sort the graph, walk it with a dict of
pending gradients — was done once, while recording. The arithmetic is the same functions on the same
values, so a replayed step equals the eager step bit for bit.

An argument that is not a slot is a ``Constant`` (a number, a shape, an array made outside the ops) or
an ``External`` tensor that lives across steps (a parameter): its array is read on each replay, so an
optimizer that updates it in place, or replaces it, is followed.
"""

import time

from ..autograd.engine import _accumulate
from ..tensor import Tensor


class Constant:
    """An argument fixed when recording: a number, a shape, an index, an array of constants."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def read(self, slots):
        return self.value

    def __repr__(self):
        value = self.value
        return f"array{tuple(value.shape)}" if hasattr(value, "size") else repr(value)


class External:
    """A tensor from outside the step (a parameter, a buffer): its array as it is at each replay."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor

    def read(self, slots):
        return self.tensor._data

    def __repr__(self):
        return f"tensor{tuple(self.tensor.shape)}"


class Packed:
    """A tuple or list some of whose items are slots (an index such as ``(rows, targets)``)."""

    __slots__ = ("items", "kind")

    def __init__(self, kind, items):
        self.kind, self.items = kind, items

    def read(self, slots):
        return self.kind(slots[item] if type(item) is int else item.read(slots) for item in self.items)

    def __repr__(self):
        return "(" + ", ".join(_name(item) for item in self.items) + ")"


def _name(source):
    """How a listing shows an argument: ``v7`` for slot 7."""
    return f"v{source}" if type(source) is int else repr(source)


def slots_read(source):
    """The slots an argument reads."""
    if type(source) is int:
        return (source,)
    if type(source) is Packed:
        return tuple(k for item in source.items for k in slots_read(item))
    return ()


class Forward:
    """``slots[target] = forward(ctx, *arguments)``: one op, with its context kept for its backward
    (``backward_runs``; else what the forward saved is dropped at once, as eager mode drops it)."""

    __slots__ = ("backward_runs", "ctx", "frees", "sources", "target")

    def __init__(self, ctx, sources):
        self.ctx, self.sources, self.frees, self.backward_runs = ctx, sources, (), True

    def run(self, slots):
        arguments = [slots[s] if type(s) is int else s.read(slots) for s in self.sources]
        ctx = self.ctx
        ctx.inputs = arguments  # what a backward reads back (Index's index, Gather's dim)
        slots[self.target] = type(ctx).run_forward(ctx, arguments, arguments)
        if not self.backward_runs:
            ctx.inputs = ctx.saved = ()

    def reads(self):
        return tuple(k for source in self.sources for k in slots_read(source))

    def __str__(self):
        arguments = ", ".join(_name(s) for s in self.sources)
        return f"v{self.target} = {type(self.ctx).__name__}.forward({arguments})"


class Backward:
    """``slots[targets] = backward(ctx, slots[grad])``: one chain-rule step (None: no slot wanted)."""

    __slots__ = ("ctx", "frees", "grad", "targets")

    def __init__(self, ctx, grad):
        self.ctx, self.grad, self.frees = ctx, grad, ()

    def run(self, slots):
        for target, grad in zip(self.targets, self.compute(slots)):
            if target is not None:
                slots[target] = grad

    def compute(self, slots):
        """The op's backward on the gradient in its slot: one gradient (or None) per input."""
        ctx = self.ctx
        grads = ctx.backward(ctx, slots[self.grad])
        ctx.inputs = ctx.saved = ()  # freed after use, as the engine frees a graph after backward
        return grads if type(grads) is tuple else (grads,)

    def reads(self):
        return (self.grad,)

    def __str__(self):
        targets = ", ".join("_" if t is None else f"v{t}" for t in self.targets)
        return f"{targets} = {type(self.ctx).__name__}.backward(v{self.grad})"


class SumTo:
    """``slots[target] = sum_to(slots[source], shape)``: undo broadcasting, as the engine does."""

    __slots__ = ("frees", "shape", "source", "target", "xp")

    def __init__(self, xp, source, shape):
        self.xp, self.source, self.shape, self.frees = xp, source, shape, ()

    def run(self, slots):
        slots[self.target] = self.xp.sum_to(slots[self.source], self.shape)

    def reads(self):
        return (self.source,)

    def __str__(self):
        return f"v{self.target} = sum_to(v{self.source}, {self.shape})"


class Add:
    """``slots[target] = slots[first] + slots[second]``: gradients from two consumers, summed."""

    __slots__ = ("first", "frees", "second", "target")

    def __init__(self, first, second):
        self.first, self.second, self.frees = first, second, ()

    def run(self, slots):
        slots[self.target] = slots[self.first] + slots[self.second]

    def reads(self):
        return (self.first, self.second)

    def __str__(self):
        return f"v{self.target} = v{self.first} + v{self.second}"


class Accumulate:
    """``tensor.grad += slots[source]`` (or ``=``), by the engine's own ``_accumulate``."""

    __slots__ = ("frees", "source", "tensor")
    target = None

    def __init__(self, tensor, source):
        self.tensor, self.source, self.frees = tensor, source, ()

    def run(self, slots):
        grad = slots[self.source]
        slots[self.source] = None  # nothing else holds it: the leaf may keep it without a copy
        _accumulate(self.tensor, grad, False)

    def reads(self):
        return (self.source,)

    def __str__(self):
        return f"tensor{tuple(self.tensor.shape)}.grad += v{self.source}"


class Mutate:
    """``function(array, *arguments)``: an in-place change outside the graph (``running_mean.mul_(0.9)``
    under no_grad, ``_imul``), on the array of ``changed``; the tensor's version counts it, as eagerly."""

    __slots__ = ("changed", "frees", "function", "sources", "version")

    def __init__(self, function, changed, sources, version):
        self.function, self.changed, self.sources, self.version, self.frees = (
            function,
            changed,
            sources,
            version,
            (),
        )

    def run(self, slots):
        read = [slots[s] if type(s) is int else s.read(slots) for s in (self.changed, *self.sources)]
        self.function(*read)
        self.version[0] += 1

    def reads(self):
        return tuple(k for source in (self.changed, *self.sources) for k in slots_read(source))

    def __str__(self):
        arguments = ", ".join(_name(s) for s in self.sources)
        return f"{self.function.__name__.lstrip('_')}({_name(self.changed)}, {arguments})"


class Fill:
    """``slots[target] = value``: an array made outside the ops that the backward starts from (the
    seed, ``ones``)."""

    __slots__ = ("frees", "target", "value")

    def __init__(self, value):
        self.value, self.frees = value, ()

    def run(self, slots):
        slots[self.target] = self.value

    def reads(self):
        return ()

    def __str__(self):
        return f"v{self.target} = {Constant(self.value)!r}"


class Call:
    """``function(*args, **kwargs)``, called again on each replay: an optimizer's step, a zero_grad.
    A Tensor it returns (a gradient norm) goes to ``target``."""

    __slots__ = ("args", "frees", "function", "kwargs", "target")

    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs, self.target, self.frees = function, args, kwargs, None, ()

    def run(self, slots):
        result = self.function(*self.args, **self.kwargs)
        if self.target is not None:
            slots[self.target] = result._data

    def reads(self):
        return ()

    def __str__(self):
        name = getattr(self.function, "__qualname__", repr(self.function))
        if self.args and hasattr(type(self.args[0]), self.function.__name__):  # a method: its class
            name = f"{type(self.args[0]).__name__}.{self.function.__name__}"
        return f"{'' if self.target is None else f'v{self.target} = '}{name}(...)"


class Output:
    """A Tensor the step returns: a fresh Tensor around its slot's array at each replay."""

    __slots__ = ("source",)

    def __init__(self, source):
        self.source = source

    def build(self, slots):
        source = self.source  # a slot, or an External tensor the step returned as it is
        return Tensor._make(slots[source]) if type(source) is int else source.tensor


def build(template, slots):
    """The step's return value from its template: Outputs filled in, containers rebuilt."""
    if type(template) is Output:
        return template.build(slots)
    if isinstance(template, (tuple, list)):
        return type(template)(build(item, slots) for item in template)
    if isinstance(template, dict):
        return {key: build(item, slots) for key, item in template.items()}
    return template


class Program:
    """The flat list of a recorded step, and what must hold for it to replay: the tensors it used
    from outside (``tensor_guards``: requires_grad, shape, dtype, device as recorded) and the modules
    it called (``module_guards``: train or eval mode as recorded)."""

    def __init__(self, entries, size, output, tensor_guards, module_guards):
        self.entries, self.size, self.output = entries, size, output
        self.tensor_guards, self.module_guards = tensor_guards, module_guards

    def replay(self, inputs):
        """Run the step on the input arrays ``inputs``; returns what the step returned."""
        slots = [None] * self.size
        slots[: len(inputs)] = inputs
        for entry in self.entries:
            entry.run(slots)
            for k in entry.frees:  # the last reader is done: free it, as eager execution would
                slots[k] = None
        return build(self.output, slots)

    def profile(self, inputs):
        """Replay once (a real step), timing each instruction: one (instruction, seconds, bytes of the
        arrays it made) per instruction. Tutorial 19 uses it to show where the time goes."""
        slots = [None] * self.size
        slots[: len(inputs)] = inputs
        rows = []
        for entry in self.entries:
            start = time.perf_counter()
            entry.run(slots)
            seconds = time.perf_counter() - start
            targets = getattr(entry, "targets", None) or (getattr(entry, "target", None),)
            made = sum(getattr(slots[t], "nbytes", 0) for t in targets if t is not None)
            rows.append((str(entry), seconds, made))
            for k in entry.frees:
                slots[k] = None
        return rows

    def guards_hold(self):
        """True when every tensor and module the step used is as it was when recorded."""
        for tensor, requires_grad, shape, dtype, kind in self.tensor_guards:
            data = tensor._data
            if tensor._requires_grad is not requires_grad or type(data) is not kind:
                return False
            if data.shape != shape or data.dtype != dtype:
                return False
        return all(module.training is training for module, training in self.module_guards)

    def __repr__(self):
        return f"<Program: {len(self.entries)} instructions, {self.size} slots>"

    def __str__(self):
        lines = [f"{i:4d}  {entry}" for i, entry in enumerate(self.entries)]
        return "\n".join([f"{len(self.entries)} instructions, {self.size} slots:", *lines])
