"""The floor: a minimal hand-written reverse-mode tape on NumPy, to measure frameworks against.

Each op computes its result with NumPy and appends to the tape one closure that computes its
local backward (the vector-Jacobian product) and adds it into its inputs' ``grad``. ``backward``
seeds the output with ones, runs the closures in reverse order of recording, and clears the tape.
No graph, no topological sort, no checks, no dtype or broadcasting rules, no grad mode: just the
work any NumPy-based reverse-mode autodiff must do (one array op forward, its backward, one
closure and one result object per op). Only the ops the benchmarks use are here.
"""

import numpy as np


class TapeArray:
    """An array recorded on a tape, with the gradient that backward accumulates into it."""

    __slots__ = ("grad", "tape", "value")

    def __init__(self, value, tape):
        self.value = value
        self.tape = tape
        self.grad = None

    def _accumulate(self, grad):
        self.grad = grad if self.grad is None else self.grad + grad

    def __mul__(self, other):
        if isinstance(other, TapeArray):
            out = TapeArray(self.value * other.value, self.tape)

            def backward():
                self._accumulate(out.grad * other.value)
                other._accumulate(out.grad * self.value)

        else:  # a Python number
            out = TapeArray(self.value * other, self.tape)

            def backward():
                self._accumulate(out.grad * other)

        self.tape.append(backward)
        return out

    def __add__(self, other):
        if isinstance(other, TapeArray):
            out = TapeArray(self.value + other.value, self.tape)

            def backward():
                self._accumulate(out.grad)
                other._accumulate(out.grad)

        else:
            out = TapeArray(self.value + other, self.tape)

            def backward():
                self._accumulate(out.grad)

        self.tape.append(backward)
        return out

    def sum(self):
        out = TapeArray(np.sum(self.value), self.tape)

        def backward():
            self._accumulate(np.broadcast_to(out.grad, self.value.shape))

        self.tape.append(backward)
        return out

    def backward(self):
        """Run the tape in reverse from this (last recorded) value, then forget the tape."""
        self.grad = np.ones_like(self.value)
        for step in reversed(self.tape):
            step()
        self.tape.clear()


def leaf(array):
    """A new tape and the input ``array`` recorded on it."""
    return TapeArray(np.array(array), [])
