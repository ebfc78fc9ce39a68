"""The frameworks the benchmarks compare, behind one small interface, and the op chain they run.

The workload is the same for all: a fresh leaf ``x`` (16 float64 values, so NumPy's work per op
is negligible next to a framework's own), then ``chain(x, n)``::

    y = x
    repeat n / 2 times:
        y = y * 0.999      # one op: multiply by a Python float
        y = y + 0.001      # one op: add a Python float

so ``n`` elementwise ops, each its own graph node and each depending on the previous one (the
graph is ``n`` deep). The loss is ``y.sum()`` (one more op; micrograd works on a single scalar
``Value`` and needs none) and backward gives d loss / d x = 0.999^(n/2) for every element, which
each framework's answer is checked against.

A framework that is not installed (``load`` raises ImportError), or that fails to import, is
skipped by the benchmarks, which print why.
"""

import numpy as np

import tinygrad_edu as tg

from . import _tape

SIZE = 16
X0 = np.linspace(0.1, 1.0, SIZE)


def chain(y, n_ops):
    """``n_ops`` elementwise ops, alternately ``* 0.999`` and ``+ 0.001``, one graph node each."""
    for _ in range(n_ops // 2):
        y = y * 0.999 + 0.001
    return y


def expected_grad(n_ops):
    """d sum(chain(x, n_ops)) / d x_i."""
    return 0.999 ** (n_ops // 2)


class Framework:
    """One framework: ``forward(n)`` builds the chain from a fresh leaf, ``backward`` runs it back.

    The leaf's values are ``x0`` (a float64 array; micrograd takes its first value).

    ``backward(forward(n))`` returns d loss / d x[0] as a float. ``numpy_based`` marks the
    frameworks whose arrays are NumPy arrays (the ones the issue's bars compare us with).
    """

    name = ""
    label = ""  # as printed in tables
    distribution = None  # the PyPI name, for its version
    numpy_based = True
    scalar = False  # works on Python-float scalars, not arrays
    max_chain = None  # the longest chain it can run at the default recursion limit (None: any)

    def load(self):
        """Import the framework (ImportError if it is not installed)."""

    def forward(self, n_ops, x0=X0):
        raise NotImplementedError

    def backward(self, state):
        raise NotImplementedError

    def run(self, n_ops):
        """Forward and backward; returns d loss / d x[0]."""
        return self.backward(self.forward(n_ops))


class NumpyTape(Framework):
    name, label = "tape", "NumPy tape (floor)"

    def forward(self, n_ops, x0=X0):
        x = _tape.leaf(x0)
        return x, chain(x, n_ops).sum()

    def backward(self, state):
        x, loss = state
        loss.backward()
        return float(x.grad[0])


class TinygradEdu(Framework):
    name, label = "tinygrad_edu", "tinygrad_edu (ours)"

    def forward(self, n_ops, x0=X0):
        x = tg.tensor(x0, requires_grad=True)
        return x, chain(x, n_ops).sum()

    def backward(self, state):
        x, loss = state
        loss.backward()
        return float(x.grad.data[0])


class Torch(Framework):
    name, label, distribution = "torch", "PyTorch (CPU)", "torch"
    numpy_based = False

    def load(self):
        import torch

        self.torch = torch

    def forward(self, n_ops, x0=X0):
        x = self.torch.tensor(x0, requires_grad=True)
        return x, chain(x, n_ops).sum()

    def backward(self, state):
        x, loss = state
        loss.backward()
        return x.grad[0].item()


class HipsAutograd(Framework):
    """HIPS autograd is functional: ``make_vjp`` traces the forward, the vjp runs the backward."""

    name, label, distribution = "autograd", "HIPS autograd", "autograd"

    def load(self):
        import autograd
        import autograd.numpy as anp

        self.make_vjp, self.anp = autograd.make_vjp, anp

    def forward(self, n_ops, x0=X0):
        vjp, _loss = self.make_vjp(lambda x: self.anp.sum(chain(x, n_ops)))(x0.copy())
        return vjp

    def backward(self, vjp):
        return float(vjp(1.0)[0])


class DeZero(Framework):
    name, label, distribution = "dezero", "DeZero", "dezero"

    def load(self):
        # DeZero 0.0.13's data-set helpers (not its autograd) use ``np.int``, which NumPy 2 removed;
        # alias it while the package imports, then remove the alias again.
        alias = not hasattr(np, "int")
        if alias:
            np.int = int
        try:
            import dezero
            import dezero.functions
        finally:
            if alias:
                del np.int
        self.dezero = dezero

    def forward(self, n_ops, x0=X0):
        x = self.dezero.Variable(x0.copy())
        return x, self.dezero.functions.sum(chain(x, n_ops))

    def backward(self, state):
        x, loss = state
        loss.backward()
        return float(x.grad.data[0])


class MyGrad(Framework):
    name, label, distribution = "mygrad", "MyGrad", "mygrad"

    def load(self):
        import mygrad

        self.mygrad = mygrad

    def forward(self, n_ops, x0=X0):
        x = self.mygrad.tensor(x0.copy())
        return x, chain(x, n_ops).sum()

    def backward(self, state):
        x, loss = state
        loss.backward()
        return float(x.grad[0])


class Micrograd(Framework):
    """Karpathy's micrograd: one Python-float ``Value`` per node, so per op on a scalar."""

    name, label, distribution = "micrograd", "micrograd (scalar)", "micrograd"
    numpy_based = False
    scalar = True
    max_chain = 500  # its recursive topological sort overflows the recursion limit near 1,000 deep

    def load(self):
        from micrograd.engine import Value

        self.Value = Value

    def forward(self, n_ops, x0=X0):
        x = self.Value(float(x0[0]))
        return x, chain(x, n_ops)

    def backward(self, state):
        x, loss = state
        loss.backward()
        return float(x.grad)


ALL = [NumpyTape, TinygradEdu, Torch, HipsAutograd, DeZero, MyGrad, Micrograd]


def load_all(names=None):
    """(the frameworks that loaded, [(framework, why it was skipped)]), in table order."""
    loaded, skipped = [], []
    for cls in ALL:
        if names is not None and cls.name not in names:
            continue
        framework = cls()
        try:
            framework.load()
        except ImportError as error:
            skipped.append((framework, f"not installed ({error})"))
            continue
        except Exception as error:  # installed but broken (e.g. by a newer NumPy): a result too
            skipped.append((framework, f"fails to import ({type(error).__name__}: {error})"))
            continue
        loaded.append(framework)
    return loaded, skipped


def by_name(name):
    """A fresh, loaded framework (ImportError if it is not installed)."""
    for cls in ALL:
        if cls.name == name:
            framework = cls()
            framework.load()
            return framework
    raise KeyError(f"unknown framework {name!r}; known: {[cls.name for cls in ALL]}")


def versions():
    """Distribution names to report versions of."""
    return [cls.distribution for cls in ALL if cls.distribution]
