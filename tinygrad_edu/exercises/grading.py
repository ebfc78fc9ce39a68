"""The grader's tools: load a learner's file, call into it, compare with the library, explain mistakes.

A check raises ``Failure`` with a message that teaches: what was computed, for which input, the first
wrong element with its index, the expected value and the learner's, and a hint when the wrong values
match a common mistake (a flipped sign, a forgotten chain-rule factor ``grad``, ...).
"""

import contextlib
import importlib.util
import linecache
import os
import traceback

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import GradcheckError


class Failure(Exception):
    """The learner's code ran but computed something wrong; the message says what and where."""


class NotStarted(Exception):
    """The exercise still has its stub (a function raises ``NotImplementedError``)."""


class LearnerError(Exception):
    """The learner's code raised; the message shows the learner's own lines, not the grader's."""


# ---- loading a learner's file ------------------------------------------------------------------------


def load(path):
    """Import the learner's file at ``path`` as a fresh module (errors point at the learner's line)."""
    name = "tinygrad_edu_exercise_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    linecache.checkcache(path)  # the file may have changed since a previous check in this process
    with learner_code(path):
        spec.loader.exec_module(module)
    return module


def learner_error(error, path):
    """``error`` raised while running the learner's file: NotStarted for a stub, else LearnerError."""
    path = os.path.abspath(path)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == path]
    if isinstance(error, NotImplementedError) and frames:
        return NotStarted(f"{frames[-1].name} still raises NotImplementedError (not started)")
    lines = [
        f"  {os.path.basename(f.filename)}, line {f.lineno}, in {f.name}:  {(f.line or '').strip()}"
        for f in frames
    ]
    if len(lines) > 4:  # a deep recursion: the last few calls tell the story
        lines = [f"  ... ({len(lines) - 3} more calls of your code)"] + lines[-3:]
    where = "\n".join(lines) if lines else "  (raised by the library, called with values your code returned)"
    message = f"{type(error).__name__}: {error}\n{where}"
    if isinstance(error, RecursionError):
        message += (
            "\n  hint: a graph deeper than Python's recursion limit needs an explicit stack, not recursion"
        )
    return LearnerError(message)


@contextlib.contextmanager
def learner_code(path):
    """Load the learner's file, or run grader code that calls into it: exceptions become teaching messages."""
    try:
        yield
    except (Failure, NotStarted, LearnerError):
        raise
    except SyntaxError as error:  # loading the file
        raise LearnerError(
            f"{os.path.basename(path)}, line {error.lineno}: {error.msg}\n    {error.text}"
        ) from None
    except GradcheckError as error:
        raise Failure(
            f"gradcheck (finite differences in float64) disagrees with your gradient: {error}"
        ) from None
    except Exception as error:
        raise learner_error(error, path) from None


def function(module, name):
    """The learner's function ``name`` (a clear failure if the file no longer defines it)."""
    fn = getattr(module, name, None)
    if not callable(fn):
        raise Failure(f"the file defines no function {name}(...): keep the name and signature of the stub")
    return fn


@contextlib.contextmanager
def patched(owner, name, value):
    """Temporarily set ``owner.name = value`` (plugs the learner's code into the library)."""
    missing = object()
    old = vars(owner).get(name, missing)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if old is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, old)


@contextlib.contextmanager
def formula_patched(owner, name, replacement):
    """Plug ``replacement`` in for the formula ``owner.<name>``: in its module, and as the ``update``
    of each optimizer class there that declares it (the class holds the function itself)."""
    library = getattr(owner, name)
    classes = [
        cls
        for cls in vars(owner).values()
        if isinstance(cls, type) and getattr(vars(cls).get("update"), "__func__", None) is library
    ]
    with contextlib.ExitStack() as stack:
        stack.enter_context(patched(owner, name, replacement))
        for cls in classes:
            stack.enter_context(patched(cls, "update", staticmethod(replacement)))
        yield


@contextlib.contextmanager
def on_cpu():
    """Grade on the CPU in float64, whatever the default device is."""
    previous = tg.get_default_device()
    tg.set_default_device("cpu")
    try:
        yield
    finally:
        tg.set_default_device(previous)


# ---- comparing -----------------------------------------------------------------------------------------


def as_array(value):
    """A Tensor, array or number as a float64 NumPy array (None stays None)."""
    if value is None:
        return None
    if isinstance(value, tg.Tensor):
        value = value.detach().numpy()
    return np.asarray(value, dtype=np.float64)


def fmt(x):
    return f"{float(x):.6g}"


def index_text(index):
    return "(" + ", ".join(str(int(i)) for i in index) + ")" if len(index) != 1 else f"({int(index[0])},)"


def compare(what, expected, got, probes=(), rtol=1e-6, atol=1e-9):
    """Raise ``Failure`` unless ``got`` equals ``expected`` elementwise.

    The message names the first wrong element (row-major order), its index, expected and got.
    ``probes`` are (hint, what a common mistake would give): a hint is added when ``got`` matches.
    """
    expected = as_array(expected)
    if got is None:
        raise Failure(f"{what}: got None, expected an array of shape {expected.shape}")
    try:
        got = as_array(got)
    except (TypeError, ValueError):
        raise Failure(
            f"{what}: got {type(got).__name__}, expected an array of shape {expected.shape}"
        ) from None
    hints = [hint for hint, wrong in probes if _matches(wrong, got, rtol, atol)]
    if got.shape != expected.shape:
        message = f"{what}: got shape {got.shape}, expected shape {expected.shape}"
        raise Failure(_with_hints(message, hints))
    close = np.isclose(got, expected, rtol=rtol, atol=atol) | (np.isnan(got) & np.isnan(expected))
    if close.all():
        return
    first = tuple(np.argwhere(~close)[0])
    at = f" at index {index_text(first)}" if first else ""
    message = f"{what}{at}: expected {fmt(expected[first])}, got {fmt(got[first])}"
    raise Failure(_with_hints(message, hints))


def _matches(wrong, got, rtol, atol):
    if wrong is None:
        return False
    wrong = as_array(wrong)
    if wrong.shape != got.shape:
        return False
    return bool(np.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True))


def _with_hints(message, hints):
    return message + "".join(f"\n  hint: {hint}" for hint in dict.fromkeys(hints))


def shapes_text(arrays, names):
    """'a (2, 3), b (3,)' for the inputs of a case."""
    return ", ".join(f"{n} {tuple(np.shape(a))}" for n, a in zip(names, arrays))
