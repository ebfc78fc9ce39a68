"""The playground's 2-D surfaces: each is a formula in the grammar of ``formula.py``, a domain and its minima.

Named surfaces and a learner's own ``{"expr": TEXT}`` go through the same parser, so the page, the
API and the "copy as Python" script all compute the very same expression. ``Surface.value_and_grad``
evaluates it at many points at once with Tensor operations and gets the gradient from autograd
(always on the "cpu" device, whatever ``tg.set_default_device`` says: the points are NumPy arrays).
"""

import dataclasses

import numpy as np

from .. import functions as tgf
from ..autograd import enable_grad, no_grad
from ..tensor import Tensor
from . import formula


def _float64(value):
    """A constant (``sin(2)``) as a float64 Tensor, so the function computes it in float64 too."""
    return value if isinstance(value, Tensor) else Tensor(value, dtype="float64", device="cpu")


def _tensor_function(name):
    if name == "tan":  # sin/cos: a composition, which autograd differentiates
        return lambda t: tgf.sin(_float64(t)) / tgf.cos(_float64(t))
    function = getattr(tgf, name)
    return lambda t: function(_float64(t))


# Tensor versions of the formula's functions
TENSOR_FUNCTIONS = {name: _tensor_function(name) for name in formula.FUNCTIONS}
NUMPY_FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": lambda a: np.sin(a) / np.cos(a),
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
}


@dataclasses.dataclass(frozen=True)
class Surface:
    """A loss surface f(x, y): its name, formula text, parsed tree, plotting domain and known minima.

    ``minima``: the known minimum points; ``saddles``: known saddle points (both lists of [x, y]);
    ``log_levels``: whether a contour plot needs log-spaced levels (a long flat valley).
    """

    name: str
    expr: str
    tree: tuple
    x_range: tuple = (-3.0, 3.0)
    y_range: tuple = (-3.0, 3.0)
    minima: tuple = ()
    saddles: tuple = ()
    log_levels: bool = False
    description: str = ""

    def value_and_grad(self, points):
        """f and ∇f at each row of ``points`` (an (n, 2) float64 array): arrays of shapes (n,) and (n, 2).

        x and y are two leaf Tensors of shape (n,); one backward of f's sum gives every row's gradient
        (the rows do not interact: each output depends on its own x and y only).
        """
        with enable_grad():
            # float64 NumPy columns wrapped as leaf Tensors ("cpu"), without Tensor()'s conversions
            x = Tensor._make(np.ascontiguousarray(points[:, 0], dtype=np.float64), requires_grad=True)
            y = Tensor._make(np.ascontiguousarray(points[:, 1], dtype=np.float64), requires_grad=True)
            value = self.tensor_value(x, y)
            value.backward(Tensor._make(np.ones_like(value.data)))  # = backward of value.sum()
        # a formula without y (or x) leaves that gradient None: it is zero
        grads = [np.zeros(len(points)) if t.grad is None else t.grad.data for t in (x, y)]
        return value.data, np.stack(grads, axis=1)

    def value(self, points):
        """f at each row of ``points`` (no gradient)."""
        with no_grad():
            x = Tensor(np.ascontiguousarray(points[:, 0]), device="cpu")
            y = Tensor(np.ascontiguousarray(points[:, 1]), device="cpu")
            return self.tensor_value(x, y).data

    def tensor_value(self, x, y):
        """f(x, y) for float64 Tensors of one shape, as a Tensor of that shape."""
        result = formula.evaluate(self.tree, x, y, TENSOR_FUNCTIONS)
        return result if result.shape == x.shape else result + x * 0.0  # "y" alone: broadcast to x's shape

    def grid(self, x_range=None, y_range=None, n=120):
        """f on an n×n grid (NumPy only, for the contour plot): x values, y values, and rows of z
        (z[i][j] at y[i], x[j])."""
        x0, x1 = x_range or self.x_range
        y0, y1 = y_range or self.y_range
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        X, Y = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            Z = formula.evaluate(self.tree, X, Y, NUMPY_FUNCTIONS) + 0.0 * X
        return xs, ys, Z

    def describe(self):
        """The catalog entry: everything but the parsed tree."""
        return {
            "name": self.name,
            "expr": self.expr,
            "description": self.description,
            "x_range": list(self.x_range),
            "y_range": list(self.y_range),
            "minima": [list(m) for m in self.minima],
            "saddles": [list(s) for s in self.saddles],
            "log_levels": self.log_levels,
        }


def _named(name, expr, **details):
    return Surface(name=name, expr=expr, tree=formula.parse(expr), **details)


PEAKS = (
    "3*(1 - x)**2 * exp(-x**2 - (y + 1)**2) - 10*(x/5 - x**3 - y**5) * exp(-x**2 - y**2)"
    " - exp(-(x + 1)**2 - y**2)/3"
)

SURFACES = {
    surface.name: surface
    for surface in [
        _named(
            "bowl",
            "x**2 + 10*y**2",
            x_range=(-3.0, 3.0),
            y_range=(-2.0, 2.0),
            minima=((0.0, 0.0),),
            description="an elongated bowl: ten times steeper in y than in x",
        ),
        _named(
            "rosenbrock",
            "(1 - x)**2 + 100*(y - x**2)**2",
            x_range=(-2.0, 2.0),
            y_range=(-1.0, 3.0),
            minima=((1.0, 1.0),),
            log_levels=True,
            description="Rosenbrock's banana: a curved, nearly flat valley floor",
        ),
        _named(
            "himmelblau",
            "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            x_range=(-5.0, 5.0),
            y_range=(-5.0, 5.0),
            minima=((3.0, 2.0), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127)),
            log_levels=True,
            description="four minima, all with f = 0",
        ),
        _named(
            "beale",
            "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            x_range=(-4.5, 4.5),
            y_range=(-4.5, 4.5),
            minima=((3.0, 0.5),),
            log_levels=True,
            description="flat plateaus and steep ridges; minimum at (3, 0.5)",
        ),
        _named(
            "saddle",
            "x**2 - y**2",
            x_range=(-2.0, 2.0),
            y_range=(-2.0, 2.0),
            saddles=((0.0, 0.0),),
            description="a saddle point at the origin: a minimum along x, a maximum along y (no minimum)",
        ),
        _named(
            "peaks",
            PEAKS,
            x_range=(-3.0, 3.0),
            y_range=(-3.0, 3.0),
            minima=((0.228279, -1.625535), (-1.347396, 0.204519)),
            description="the course's peaks function: two valleys, three peaks",
        ),
        _named(
            "rastrigin",
            "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            x_range=(-5.12, 5.12),
            y_range=(-5.12, 5.12),
            minima=((0.0, 0.0),),
            description="a bowl covered in local minima; the global one at the origin",
        ),
        _named(
            "six_hump_camel",
            "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
            x_range=(-2.0, 2.0),
            y_range=(-1.2, 1.2),
            minima=((0.089842, -0.712656), (-0.089842, 0.712656)),
            description="six local minima, two of them global (f ≈ −1.0316)",
        ),
    ]
}


def resolve(spec):
    """The Surface for a request's ``"surface"``: a name, or ``{"expr": TEXT}``.

    Raises ValueError (FormulaError for a formula that does not parse)."""
    if isinstance(spec, str):
        if spec not in SURFACES:
            raise ValueError(f"unknown surface {spec[:40]!r}; known: {', '.join(SURFACES)}")
        return SURFACES[spec]
    if isinstance(spec, dict) and set(spec) == {"expr"}:
        text = spec["expr"]
        return Surface(name="custom", expr=text, tree=formula.parse(text), description="your formula")
    raise ValueError('"surface" must be a surface name or {"expr": "a formula in x and y"}')
