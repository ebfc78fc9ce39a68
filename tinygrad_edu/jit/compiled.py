"""``tg.compile``: record a step on its first calls, then replay it (see ``tinygrad_edu/jit``)."""

import collections
import functools
import warnings

from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import tape
from .program import Constant, External, Fill, Forward, Mutate, Packed
from .recorder import Recorder


def compile(function=None, *, fullgraph=False, disable=False):
    """Compile a training step (or any function of Tensors): record it once, replay it after.

    The first call with given inputs runs ``function`` eagerly and records every op it runs, the
    backward pass and the optimizer's step; the second call records again and checks that it did
    the same (a *check run*); from the third call on, the step is *replayed*: the recorded list of
    array operations runs with no Tensor, context or graph made, bit for bit equal to eager::

        @tg.compile
        def train_step(x, y):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss                  # a Tensor: call .item() on the result, outside

        for x, y in loader:
            loss = train_step(x, y)

    The name is PyTorch's (``torch.compile``), and so are ``fullgraph`` and ``disable``; what it does
    is closer to tinygrad's ``TinyJit`` or CUDA graphs: it records one concrete step and replays it.

    **Guards.** A replay runs only when it would do what the eager step does: the inputs have the
    shapes, dtypes, devices and ``requires_grad`` of the recording (else another program is recorded
    for them, up to ``cache_size_limit``), every tensor from outside (parameters) still has its
    ``requires_grad``, shape, dtype and device, and every module called is still in the same
    train/eval mode (else the step is recorded again). The optimizer's step, ``zero_grad`` and an
    ``LRScheduler.step`` replay *whole*: they read their lr, betas and step counts afresh, so a schedule
    or a changed hyperparameter takes effect without recording again.

    **What falls back to eager** (with a ``RuntimeWarning`` saying why; ``fullgraph=True`` raises
    instead): a value read into Python while recording (``.item()``, ``bool()``, ``print``: the step
    could decide by it); the check run finding a different sequence of ops (control flow on other
    Python state), or a tensor made outside the ops that differs between the two recordings (random
    numbers drawn in the step outside an op); a custom ``autograd.Function``, tensor hooks,
    ``create_graph``, an assignment to ``.data`` or ``.grad``, a step that returns a Python number, or
    one that returns a tensor whose graph it did not backpropagate (a forward pass compiled for
    training: compile the whole step, or a forward for inference under ``no_grad``). Dropout draws its
    mask inside its op, and in-place changes outside the graph (BatchNorm's running statistics) are
    instructions of their own: both replay.

    Args:
        function: the step. It may take Tensors, numbers and strings; it may return Tensors (in
            tuples, lists or dicts) or None.
        fullgraph: raise ``RuntimeError`` instead of running eagerly when the step cannot be replayed.
        disable: return ``function`` unchanged (eager), to compare or debug.
    """
    if function is None:
        return lambda f: compile(f, fullgraph=fullgraph, disable=disable)
    if disable:
        return function
    if not callable(function):
        raise TypeError(f"compile: expected a function to compile, got {type(function).__name__}")
    return CompiledStep(function, fullgraph)


class CompiledStep:
    """A compiled function: one ``Program`` per input signature, recorded, checked, then replayed.

    ``stats`` counts the calls that ``"recorded"``, ``"replayed"`` and ran ``"eager"``; ``programs``
    maps each signature to its checked ``Program`` (``print`` one to see its instructions).
    """

    cache_size_limit = 8  # programs per compiled function, as torch.compile's recompile limit

    def __init__(self, function, fullgraph=False):
        functools.update_wrapper(self, function)
        self.function = function
        self.fullgraph = fullgraph
        self.programs = {}  # signature → Program that passed its check run
        self.first_recordings = {}  # signature → Program recorded once, waiting for its check run
        self.eager_reasons = {}  # signature → why it runs eagerly
        self.recordings = collections.Counter()  # signature → how many times it was recorded
        self.stats = {"recorded": 0, "replayed": 0, "eager": 0}

    def __call__(self, *args, **kwargs):
        if tape.recorder is not None:  # called inside a step being recorded: its ops belong to that step
            return self.function(*args, **kwargs)
        inputs, signature = _signature(args, kwargs)
        program = self.programs.get(signature)
        if program is not None:
            if program.guards_hold():
                self.stats["replayed"] += 1
                return program.replay(inputs)
            del self.programs[signature]  # a parameter or module changed: record anew
        if signature not in self.eager_reasons:
            if len(self.programs) + len(self.first_recordings) >= self.cache_size_limit:
                self._run_eagerly(signature, f"more than {self.cache_size_limit} input signatures")
            elif self.recordings[signature] >= 2 * self.cache_size_limit:
                self._run_eagerly(
                    signature,
                    f"recorded {self.recordings[signature]} times: a parameter or module keeps changing "
                    "between calls (requires_grad, train/eval)",
                )
            elif any(isinstance(a, Tensor) and a._requires_grad for a in _flat(args, kwargs)):
                self._run_eagerly(
                    signature, "an input requires grad (its .grad would go to the recorded one)"
                )
            else:
                return self._record(signature, inputs, args, kwargs)
        self.stats["eager"] += 1
        return self.function(*args, **kwargs)

    def _record(self, signature, inputs, args, kwargs):
        """Run the step eagerly while recording it: a first recording, or the check run."""
        recorder = Recorder(inputs)
        tape.recorder = recorder
        try:
            result = self.function(*args, **kwargs)
        finally:
            tape.recorder = None
        self.stats["recorded"] += 1
        self.recordings[signature] += 1
        program = recorder.finish(result)
        if program is None:
            self._run_eagerly(signature, recorder.failure)
            return result
        first = self.first_recordings.pop(signature, None)
        if first is None:
            self.first_recordings[signature] = program
            return result
        difference = differences(first, program)
        if difference:
            self._run_eagerly(signature, f"the check run differs from the first recording: {difference}")
        else:
            self.programs[signature] = program
        return result

    def _run_eagerly(self, signature, reason):
        self.eager_reasons[signature] = reason
        self.first_recordings.pop(signature, None)
        message = (
            f"tg.compile: {getattr(self.function, '__qualname__', self.function)} runs eagerly: {reason}"
        )
        if self.fullgraph:
            raise RuntimeError(message + " (fullgraph=True; this call ran eagerly)")
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _flat(args, kwargs):
    """The arguments in order, tuples and lists opened."""
    for value in (*args, *(kwargs[key] for key in sorted(kwargs))):
        if isinstance(value, (tuple, list)):
            yield from _flat(value, {})
        else:
            yield value


def _signature(args, kwargs):
    """(the input Tensors' arrays, a hashable key): each Tensor by shape, dtype, device and
    requires_grad, every other argument by value (or identity), and the grad mode."""
    arrays, key = [], [tuple(sorted(kwargs)), is_grad_enabled()]
    for value in _flat(args, kwargs):
        if isinstance(value, Tensor):
            arrays.append(value._data)
            data = value._data
            key.append((type(data), data.shape, data.dtype, value._requires_grad))
        elif value is None or isinstance(value, (int, float, str, bool)):
            key.append((type(value), value))
        else:
            key.append(("object", id(value)))
    return arrays, tuple(key)


# ---- the check run: the same program twice? -------------------------------------------------------------


def differences(first, second):
    """How two recordings of a step differ ('' if they do not): another op, another argument, or a
    tensor made outside the ops with other values (drawn at random, or read from the data)."""
    if len(first.entries) != len(second.entries):
        return f"{len(first.entries)} instructions, then {len(second.entries)}"
    for i, (a, b) in enumerate(zip(first.entries, second.entries)):
        if type(a) is not type(b) or _kind(a) != _kind(b):
            return f"instruction {i} was {a}, then {b}"
        if type(a) in (Forward, Mutate):
            for x, y in zip(
                (getattr(a, "changed", None), *a.sources), (getattr(b, "changed", None), *b.sources)
            ):
                if not _same_source(x, y):
                    changed = "made outside the ops" if type(x) is type(y) else "read"
                    name = type(a.ctx).__name__ if type(a) is Forward else a.function.__name__
                    return (
                        f"instruction {i} ({name}) read {x!r}, then {y!r}: an argument "
                        f"{changed} that differs between calls (drawn at random, or computed from values "
                        "in Python) cannot be replayed"
                    )
        if type(a) is Fill and not _same_value(a.value, b.value):
            return f"instruction {i} started backward from other values"
    return ""


def _kind(entry):
    """What an instruction does, apart from the values it reads: its listing (op, slots, shapes), and
    the tensor or function it names by identity (a parameter's .grad, an optimizer's step)."""
    return str(entry), getattr(entry, "tensor", None), getattr(entry, "function", None)


def _same_source(x, y):
    if x is None or type(x) is not type(y):
        return x is y
    if type(x) is int:
        return x == y
    if type(x) is External:  # the same parameter, or a tensor made in the step with the same values
        return x.tensor is y.tensor or _same_value(x.tensor._data, y.tensor._data)
    if type(x) is Packed:
        return x.kind is y.kind and len(x.items) == len(y.items) and all(map(_same_source, x.items, y.items))
    return type(x) is Constant and _same_value(x.value, y.value)


def _same_value(a, b):
    """Equal constants: arrays of one type, shape, dtype and values; tuples item by item."""
    if type(a) is not type(b):
        return False
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        return a.shape == b.shape and a.dtype == b.dtype and bool((a == b).all())
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(map(_same_value, a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b
