"""Recording: run the step eagerly once and write down, as it happens, what replay must do again.

``Op.apply`` reports each op it runs (``forward``); ``engine.backward`` hands the backward pass to
``run_backward``, which walks the graph as the engine does and runs each chain-rule step as an
instruction, so that the recorded backward *is* the instructions; calls marked ``replayed_whole``
(an optimizer's step) become one ``Call`` each. An array is known by its identity: the recorder keeps
every array it has given a slot alive until the recording ends, so no identity is reused.

What cannot be replayed is refused (``refuse``): the recording stops, the step finishes eagerly and
``tg.compile`` runs this step eagerly from then on. Refused: a custom ``autograd.Function`` (its
backward works on Tensors the replay does not make), tensor hooks and ``retain_grad`` (Python that
must see each gradient), ``create_graph``, anomaly mode, a value read into Python (``.item()``,
``bool()``, ``print``: ``conversion.read_by_python``), an assignment to ``.data`` or ``.grad``
(``p.data -= ...``: NumPy on the array, which the replay would not see), and a step that returns a
number (``.item()`` reads a value that the replay would not recompute: return the Tensor).
"""

import threading

from ..autograd import anomaly
from ..autograd.engine import _check_shape, _seed, topological_order
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import tape
from .program import (
    Accumulate,
    Add,
    Backward,
    Call,
    Constant,
    External,
    Fill,
    Forward,
    Mutate,
    Output,
    Packed,
    Program,
    SumTo,
)


class Recorder:
    """The program of one step, written while the step runs eagerly (see the module's docstring)."""

    def __init__(self, input_arrays):
        self.entries = []
        self.values = list(input_arrays)  # the slots, as a replay will fill them
        self.slot_of = {id(array): k for k, array in enumerate(input_arrays)}
        self.inputs = len(input_arrays)
        self.contexts = {}  # id(an op's context) → its copy in the program (with the op's saved values)
        self.externals = {}  # id(tensor) → External: one per outside tensor
        self.modules = {}  # id(module) → (module, training) for every module the step called
        self.kept = []  # every object whose identity the recording uses: alive until it ends
        self.failure = None
        self.paused = 0  # > 0 inside a call that is replayed whole
        self.thread = threading.get_ident()  # ops that other threads run meanwhile are not the step's

    def ignoring(self):
        """True inside a call that replays whole, or in another thread than the step's."""
        return self.paused > 0 or threading.get_ident() != self.thread

    # ---- what the library reports -------------------------------------------------------------------

    def forward(self, ctx, args, arrays, out):
        """``Op.apply`` ran ``ctx``'s forward on ``arrays`` (of ``args``) and got ``out``: a ``Forward``."""
        if self.ignoring():
            return
        clone = type(ctx).__new__(type(ctx))
        clone.__dict__.update(ctx.__dict__)
        clone.inputs = list(arrays)  # the arrays, as a replay sets them: no Tensor of this recording
        self.contexts[id(ctx)] = clone
        self.kept.append(ctx)
        sources = [
            self._source(arg if isinstance(arg, Tensor) else array) for arg, array in zip(args, arrays)
        ]
        self._add(Forward(clone, sources), out)

    def mutated(self, tensor, function, arguments):
        """An in-place change outside the graph, ``function(tensor's array, *arguments)``: a ``Mutate``
        (BatchNorm's running statistics, ``w.add_(...)`` under no_grad)."""
        if not self.ignoring():
            sources = [self._source(argument) for argument in arguments]
            self.entries.append(Mutate(function, self._source(tensor), sources, tensor._version_cell))

    def module_called(self, module):
        """A module ran: the program is valid only in the mode (train/eval) it had."""
        if not self.ignoring():
            self.modules[id(module)] = (module, module.training)

    def call(self, function, args, kwargs):
        """Run a ``replayed_whole`` call now, unrecorded inside, and record it as one ``Call``."""
        args = tuple(list(a) if _is_iterator(a) else a for a in args)  # model.parameters(): replayable
        made_here = [a for a in (*args, *kwargs.values()) if self._made_in_step(a)]
        if made_here or any(callable(a) for a in (*args[1:], *kwargs.values())):
            self.refuse(f"{function.__qualname__} was given a tensor or a closure of the step")
            return function(*args, **kwargs)
        self.paused += 1
        try:
            result = function(*args, **kwargs)
        finally:
            self.paused -= 1
        entry = Call(function, args, kwargs)
        if isinstance(result, Tensor):
            self._add(entry, result._data)
        else:
            self.entries.append(entry)
        return result

    def refuse(self, reason):
        """Stop recording: the step goes on eagerly, and will run eagerly from now on."""
        self.failure = self.failure or reason
        tape.recorder = None

    # ---- the backward pass --------------------------------------------------------------------------

    def run_backward(self, root, gradient, retain_graph, create_graph, inputs):
        """``root.backward()`` as instructions: the engine's walk (``engine.run_backward``), each step
        run through the instruction that will replay it. False (refused, or inside a call that replays
        whole): the engine runs it."""
        if self.ignoring():
            return False
        order = topological_order([root])
        reason = self._unreplayable_backward(order, create_graph, inputs)
        if reason:
            self.refuse(reason)
            return False
        seed = _seed(root, gradient, False, "backward")
        with no_grad():  # as the engine: a first-order backward records nothing
            self._walk(order, root, self._source_slot(seed), retain_graph)
        return True

    def _walk(self, order, root, seed, retain_graph):
        """The loop of ``engine.run_backward``, one instruction per chain-rule step."""
        pending = {root: seed}  # tensor → the slot of its gradient so far
        for tensor in reversed(order):
            grad = pending.pop(tensor, None)
            if grad is None:
                continue
            ctx = tensor._ctx
            if ctx is None:
                accumulate = Accumulate(tensor, grad)
                accumulate.run(self.values)
                self.entries.append(accumulate)
                continue
            step = Backward(self.contexts[id(ctx)], grad)
            self.entries.append(step)
            self.paused += 1  # anything the op's backward calls belongs to this one instruction
            try:
                grads = step.compute(self.values)  # its targets are known once it has run
            finally:
                self.paused -= 1
            step.targets = tuple(self._send(pending, ctx, parent, g) for parent, g in zip(ctx.inputs, grads))
            if not retain_graph:
                ctx.release()

    def _unreplayable_backward(self, order, create_graph, inputs):
        if create_graph or inputs is not None:
            return "backward with create_graph or inputs="
        if anomaly.enabled:
            return "anomaly detection is on"
        for tensor in order:
            if tensor._hooks or tensor._retains_grad:
                return f"a tensor of shape {tensor.shape} has a hook or retains its grad"
            ctx = tensor._ctx
            if ctx is not None and id(ctx) not in self.contexts:
                return f"{ctx.name} was recorded before the step began (backward of an older graph)"
        return None

    def _send(self, pending, ctx, parent, grad):
        """As ``engine._send_to_inputs``: the gradient of one input, summed to its shape, added to
        what that input has so far. Returns the slot the backward's result goes to (or None)."""
        if grad is None or not (isinstance(parent, Tensor) and parent._requires_grad):
            return None
        target = slot = self._new_slot(grad)
        shape = parent._data.shape
        if grad.shape != shape:
            _check_shape(ctx, parent, grad.shape, shape)
            slot = self._emit(SumTo(ctx.xp, slot, shape))
        previous = pending.get(parent)
        pending[parent] = slot if previous is None else self._emit(Add(previous, slot))
        return target

    # ---- slots ---------------------------------------------------------------------------------------

    def _emit(self, entry):
        """Append ``entry``, run it on the recording's slots; the slot of its result."""
        entry.target = len(self.values)
        self.values.append(None)
        entry.run(self.values)
        self._name(entry.target)
        self.entries.append(entry)
        return entry.target

    def _new_slot(self, value):
        """A new slot holding ``value``."""
        self.values.append(value)
        return self._name(len(self.values) - 1)

    def _name(self, k):
        """From now on, the array in slot ``k`` is known as that slot."""
        value = self.values[k]
        self.kept.append(value)
        self.slot_of[id(value)] = k
        return k

    def _add(self, entry, value):
        entry.target = self._new_slot(value)
        self.entries.append(entry)

    def _source_slot(self, array):
        """The slot of ``array``; an array from outside the ops (the seed 1) is put in one by a Fill."""
        k = self.slot_of.get(id(array))
        return k if k is not None else self._emit(Fill(array))

    def _source(self, arg):
        """How an op's argument is read on replay: a slot, an External tensor, a Constant, or Packed."""
        if isinstance(arg, Tensor):
            k = self.slot_of.get(id(arg._data))
            if k is not None:
                return k
            external = self.externals.get(id(arg))
            if external is None:
                external = self.externals[id(arg)] = External(arg)
                self.kept.append(arg)
            return external
        k = self.slot_of.get(id(arg))
        if k is not None:
            return k
        if isinstance(arg, (tuple, list)):
            items = [self._source(item) for item in arg]
            if any(not isinstance(item, Constant) for item in items):
                return Packed(type(arg), items)
        return Constant(arg)

    def _made_in_step(self, value):
        if isinstance(value, Tensor):
            return id(value._data) in self.slot_of
        return id(value) in self.slot_of

    # ---- the program ---------------------------------------------------------------------------------

    def finish(self, result):
        """The ``Program`` of the recorded step, which returned ``result``; None if it was refused."""
        output = self._template(result) if self.failure is None else None
        if self.failure is not None:
            return None
        outputs = set(_output_slots(output))
        last_reader = {}
        for i, entry in enumerate(self.entries):
            target = getattr(entry, "target", None)
            if target is not None:
                last_reader.setdefault(target, i)  # a value nobody reads is freed at once
            for k in entry.reads():
                last_reader[k] = i
        for k in range(self.inputs):
            last_reader.setdefault(k, 0)
        frees = {}
        for k, i in last_reader.items():
            if k not in outputs:
                frees.setdefault(i, []).append(k)
        for i, entry in enumerate(self.entries):
            entry.frees = tuple(frees.get(i, ()))
        differentiated = {id(entry.ctx) for entry in self.entries if type(entry) is Backward}
        for entry in self.entries:
            if type(entry) is Forward:
                entry.backward_runs = id(entry.ctx) in differentiated
        tensor_guards = [
            (t, t._requires_grad, t._data.shape, t._data.dtype, type(t._data))
            for t in (external.tensor for external in self.externals.values())
        ]
        return Program(self.entries, len(self.values), output, tensor_guards, list(self.modules.values()))

    def _template(self, value):
        """The step's return value with each Tensor replaced by an ``Output`` of its slot."""
        if isinstance(value, Tensor):
            ctx = value._ctx
            if ctx is not None and ctx.inputs is not None and id(ctx) in self.contexts:
                self.refuse(
                    "the step returns a tensor whose graph it did not backpropagate, and a replay returns "
                    "no graph: call backward() inside the compiled function (or compile under no_grad)"
                )
            return Output(self._source(value))
        if isinstance(value, (tuple, list)):
            return type(value)(self._template(item) for item in value)
        if isinstance(value, dict):
            return {key: self._template(item) for key, item in value.items()}
        if value is None or isinstance(value, (str, bool)):
            return value
        self.refuse(
            f"the step returned a {type(value).__name__}; return Tensors (call .item() on the "
            "compiled step's result), as a replay computes Tensors, not Python numbers"
        )
        return None


def _is_iterator(value):
    return hasattr(value, "__next__")


def _output_slots(template):
    if type(template) is Output:
        if type(template.source) is int:
            yield template.source
    elif isinstance(template, (tuple, list)):
        for item in template:
            yield from _output_slots(item)
    elif isinstance(template, dict):
        for item in template.values():
            yield from _output_slots(item)
