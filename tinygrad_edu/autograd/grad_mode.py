"""Whether operations record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag lives in a ``contextvars.ContextVar``, so it nests, and each thread (and asyncio task)
sees its own value, starting enabled — as in PyTorch.
"""

import contextvars
import functools

_grad_enabled = contextvars.ContextVar("tinygrad_edu_grad_enabled", default=True)
is_enabled = _grad_enabled.get  # the hot path reads this directly


def is_grad_enabled():
    """True when new operations are being recorded for backward."""
    return _grad_enabled.get()


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``: a re-entrant context manager that is also a decorator."""

    mode = True

    def __init__(self):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_grad_enabled.set(self.mode))
        return self

    def __exit__(self, *exc):
        _grad_enabled.reset(self._tokens.pop())
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            token = _grad_enabled.set(mode)
            try:
                return func(*args, **kwargs)
            finally:
                _grad_enabled.reset(token)

        return wrapper


class no_grad(_GradModeContext):
    """Do not record operations: ``with tg.no_grad(): w -= lr * w.grad``."""

    mode = False


class enable_grad(_GradModeContext):
    """Record operations again, even inside ``no_grad``."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Turn graph recording on or off: a plain call, a context manager, or a decorator."""

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._tokens = [_grad_enabled.set(self.mode)]  # a plain call takes effect at once

    def __enter__(self):
        return self  # already set by __init__; __exit__ restores the previous mode

    def __call__(self, func):
        _grad_enabled.reset(self._tokens.pop())  # as a decorator, undo the eager set
        return super().__call__(func)
