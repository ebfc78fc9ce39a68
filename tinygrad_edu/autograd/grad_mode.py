"""Whether operations record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag lives in a ``contextvars.ContextVar``, so it nests, and each thread (and asyncio task)
sees its own value, starting enabled — as in PyTorch.
"""

import contextvars
import functools

_grad_enabled = contextvars.ContextVar("tinygrad_edu_grad_enabled", default=True)
# ``is_grad_enabled()``: True when new operations are being recorded for backward. It is the context
# variable's own ``get``, no Python function around it: every op calls it.
is_grad_enabled = _grad_enabled.get


# The modes to restore on leaving each ``with`` block, innermost last. It lives in the context (each
# thread and asyncio task has its own), not on the context-manager object: one ``no_grad()`` object
# shared by two threads must not mix up their undo information.
_saved_modes = contextvars.ContextVar("tinygrad_edu_saved_grad_modes", default=())


def _push_mode(mode, previous):
    """Enter a block: remember ``previous`` for its exit, then switch to ``mode``."""
    _saved_modes.set((*_saved_modes.get(), previous))
    _grad_enabled.set(mode)


def _pop_mode():
    """Leave the innermost block: restore the mode it saved."""
    saved = _saved_modes.get()
    _saved_modes.set(saved[:-1])
    _grad_enabled.set(saved[-1])


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``: a re-entrant context manager that is also a decorator.

    The object keeps no state of its own, so one instance may be used in many threads at once.
    """

    mode = True

    def __enter__(self):
        _push_mode(self.mode, _grad_enabled.get())
        return self

    def __exit__(self, *exc):
        _pop_mode()
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            token = _grad_enabled.set(mode)  # a token made and used in this call's own context
            try:
                return func(*args, **kwargs)
            finally:
                _grad_enabled.reset(token)

        return wrapper


class no_grad(_GradModeContext):
    """Do not record operations: ``with tg.no_grad(): w -= lr * w.grad``."""

    mode = False


class inference_mode(_GradModeContext):
    """PyTorch's faster ``no_grad`` for evaluation: here the same as ``no_grad`` (nothing is recorded).
    ``inference_mode(False)`` leaves the mode as it is."""

    def __init__(self, mode=True):
        self.enabled = bool(mode)

    @property
    def mode(self):
        return False if self.enabled else _grad_enabled.get()


class enable_grad(_GradModeContext):
    """Record operations again, even inside ``no_grad``."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Turn graph recording on or off: a plain call, a context manager, or a decorator."""

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._previous = _grad_enabled.get()
        _grad_enabled.set(self.mode)  # a plain call takes effect at once

    def __enter__(self):
        _push_mode(self.mode, self._previous)  # already set by __init__; __exit__ restores the previous mode
        return self

    def __call__(self, func):
        _grad_enabled.set(self._previous)  # as a decorator, undo the eager set
        return super().__call__(func)
