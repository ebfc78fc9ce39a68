"""The exercises, in the order a course teaches them: what each asks, what it is graded against.

Each ``Exercise`` names the library function(s) that are its solution (``Piece``): the stub gets
their signatures, the solution their source (``source.py``), and the grader plugs the learner's
version in where the library's runs. Only the capstone's solution is written by hand (in
``capstone.py``), because it is the learner's own training script, not a piece of the library.
"""

import importlib
import math

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.autograd import engine
from tinygrad_edu.backend.array_backend import ArrayBackend
from tinygrad_edu.ops import binary, elementwise, linalg, loss, movement, reduce
from tinygrad_edu.optim import lr_scheduler

from . import checks
from .checks import Case
from .grading import LearnerError, compare, function, learner_code, patched

gradcheck_module = importlib.import_module("tinygrad_edu.gradcheck")
sgd_module = importlib.import_module("tinygrad_edu.optim.sgd")
adagrad_module = importlib.import_module("tinygrad_edu.optim.adagrad")
rmsprop_module = importlib.import_module("tinygrad_edu.optim.rmsprop")
adam_module = importlib.import_module("tinygrad_edu.optim.adam")
textbook_module = importlib.import_module("tinygrad_edu.optim.textbook")


class Piece:
    """One function the learner writes: its name in the workbook and the library function it mirrors."""

    def __init__(self, name, library, replacements=()):
        self.name = name
        self.library = library
        self.replacements = replacements


class Exercise:
    """An exercise: its instructions, the pieces to write, and ``grade(path, module)`` (raises Failure)."""

    def __init__(self, name, title, part, text, pieces, grade, imports=(), solution=None, stub=None):
        self.name = name
        self.title = title
        self.part = part
        self.text = text
        self.pieces = pieces
        self.grade = grade
        self.imports = imports  # import lines the stub offers (e.g. "import numpy as np")
        self.solution = solution  # hand-written solution text (the capstone only)
        self.stub = stub  # hand-written stub text (the capstone only)
        self.number = 0  # set by the catalog's order

    @property
    def filename(self):
        return f"{self.number:02d}_{self.name}.py"


EXERCISES = []


def exercise(name, title, part, text, pieces, imports=(), **extra):
    """Register an exercise whose grader is the decorated function."""

    def register(grade):
        EXERCISES.append(Exercise(name, title, part, text, pieces, grade, imports, **extra))
        return grade

    return register


def rng_for(name):
    """A random stream of its own per exercise: grades do not depend on which exercises ran before."""
    return np.random.default_rng(sum(map(ord, name)))


def normal(rng, *shape):
    return np.asarray(rng.standard_normal(shape))  # an array even for shape (): NumPy returns a float


def away_from_zero(rng, *shape):
    """Values with |x| in [0.5, 2): no kink (relu) or pole (1/x) within a finite difference."""
    return np.asarray(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))


def broadcast_pairs(rng, count=3):
    """Pairs of shapes that broadcast together: dims dropped in front and set to 1, either side."""
    pairs = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((), (2, 2))]
    for _ in range(count):
        shape = tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 4)))
        other = [n if rng.random() > 0.3 else 1 for n in shape[rng.integers(0, len(shape) + 1) :]]
        pairs.append((shape, tuple(other)) if rng.random() < 0.5 else (tuple(other), shape))
    return pairs


def random_shapes(rng, count=3):
    shapes = [(), (4,), (2, 3)]
    return shapes + [tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 4))) for _ in range(count)]


# ==== part 1: numerical derivatives and gradient descent ==========================================

PART1 = "1. The numerical derivative"

FUNCTIONS_1D = [("sin", math.sin), ("exp", math.exp), ("x³", lambda x: x**3)]


OTHER_QUOTIENT = {
    "forward_difference": gradcheck_module.central_difference,
    "central_difference": gradcheck_module.forward_difference,
}


def difference_exercise(name, title, text):
    """Register the exercise ``gradcheck.<name>``, a difference quotient: compared with the library's
    for a few functions, x and h, then plugged into tg.numerical_grad."""
    library_function = getattr(gradcheck_module, name)

    @exercise(name, title, PART1, text, [Piece(name, library_function)])
    def grade(path, module):
        mine = function(module, name)
        for label, f in FUNCTIONS_1D:
            for x in (-1.3, 0.0, 2.0):
                for h in (1e-1, 1e-3, 1e-6):
                    with learner_code(path):
                        got = mine(f, x, h)
                    expected = library_function(f, x, h)
                    other = OTHER_QUOTIENT[name]
                    hints = [
                        (f"that is the other quotient: {name} is asked for", other(f, x, h)),
                        ("that is the backward difference (f(x) − f(x − h)) / h", (f(x) - f(x - h)) / h),
                        ("the quotient divides by 2h", (f(x + h) - f(x - h)) / h),
                    ]
                    compare(f"{name}(f={label}, x={x}, h={h:g})", expected, got, hints)
        # plugged into the library: tg.numerical_grad uses it for every element of a tensor
        method = name.split("_")[0]
        x = tg.tensor([[0.3, -1.2], [2.0, 0.7]], dtype=tg.float64)
        expected = tg.numerical_grad(lambda t: (t.sin() * t).sum(), x, method=method)
        with learner_code(path), patched(gradcheck_module, name, mine):
            got = tg.numerical_grad(lambda t: (t.sin() * t).sum(), x, method=method)
        compare(f"tg.numerical_grad(method={method!r}) using your {name}, of sum(sin(x)·x)", expected, got)


difference_exercise(
    "forward_difference",
    "the forward difference",
    """Autograd is checked against finite differences, so we start there. The derivative is the
limit of the slope of a secant; for a small step h,

    f'(x) ≈ (f(x + h) − f(x)) / h          (the forward difference)

Write forward_difference(f, x, h) for a function f of one float. Its error (the truncation error)
shrinks like h: halve h and the error halves — until h is so small that f(x + h) − f(x) loses its
digits to round-off (exercise 2 looks at that trade-off).

The grader compares with the library's formula for sin, exp and x³ at several x and h, then plugs
your function into tg.numerical_grad(..., method="forward").

Hint: one line; call f twice.""",
)


difference_exercise(
    "central_difference",
    "the central difference and the error-vs-h trade-off",
    """The central difference takes the secant through x − h and x + h:

    f'(x) ≈ (f(x + h) − f(x − h)) / 2h

The f''(x) terms of the two Taylor expansions cancel, so its truncation error shrinks like h², not h.
Round-off grows like ε/h (ε ≈ 1e-16 in float64), so the total error is smallest in between: near
h ≈ ε^(1/3) ≈ 1e-5 for the central difference and h ≈ ε^(1/2) ≈ 1e-8 for the forward one. That is
why tg.gradcheck uses central differences in float64 with eps = 1e-6. Try it: print the error of
both quotients for sin at x = 1 against cos(1), for h = 1e-1, 1e-2, ..., 1e-12.

Write central_difference(f, x, h). The grader compares it with the library's and plugs it into
tg.numerical_grad.

Hint: mind the 2 in 2h.""",
)


@exercise(
    "gradient_descent",
    "gradient descent in 1-D",
    PART1,
    """Gradient descent walks downhill: θ ← θ − α·dJ/dθ, with learning rate α.

Write gradient_descent(param, grad, *, lr): one step, for the arrays of one parameter. The
optimizer (tg.optim.GD) calls it for each parameter with the parameter's own array, so change
param in place (param -= ...): a new array bound to the name param would be thrown away.

The grader runs tg.optim.GD with your step for 50 steps, on a 1-D parabola J(θ) = (θ − 3)² and on a
small problem with two parameters, and compares the parameters after every step with the library's.

Hint: one line.""",
    [Piece("gradient_descent", textbook_module.gradient_descent)],
)
def grade_gradient_descent(path, module):
    checks.check_optimizer(
        path,
        module,
        "gradient_descent",
        textbook_module,
        [("GD(lr=0.1)", lambda params: tg.optim.GD(params, lr=0.1))],
        variants=[("moved uphill: subtract lr·grad", lambda param, grad, *, lr: param.__iadd__(lr * grad))],
    )
    mine = function(module, "gradient_descent")
    theta = np.array([0.0])
    with learner_code(path):
        for _ in range(50):
            mine(theta, 2 * (theta - 3), lr=0.1)
    compare("θ after 50 steps of lr 0.1 on J(θ) = (θ − 3)², from θ = 0", [3 - 3 * 0.8**50], theta)


# ==== part 2: local derivatives ===================================================================

PART2 = "2. Local derivatives (backward of one op)"

BACKWARD_INTRO = """\
Each op's backward receives `grad`, the gradient of the loss with respect to the op's output,
and returns the gradient with respect to each input: grad times the local derivative (the chain rule).
Values come as NumPy arrays; ctx.xp is the array library (ctx.xp.exp, ctx.xp.where, ...), and
ctx.saved_tensors holds what forward saved with ctx.save_for_backward. Return one gradient per
forward argument (None for an argument that is not a tensor). Do not undo broadcasting here: return
gradients of the output's shape and the engine sums them back to each input's shape.

The grader makes your function the op's backward inside real graphs, compares the gradients with
the library's for a random upstream gradient, over shapes that broadcast, and runs tg.gradcheck
(finite differences in float64) on your op."""


def _unary_cases(rng, values=normal):
    return [Case(values(rng, *shape)) for shape in random_shapes(rng)]


@exercise(
    "mul",
    "the backward of a product",
    PART2,
    BACKWARD_INTRO
    + """

z = a · b:   dz/da = b,  dz/db = a.   Forward saved (a, b).
ctx.needs_input_grad tells which inputs want a gradient (you may compute both anyway).

Hint: each input's gradient is grad times the *other* input.""",
    [Piece("mul_backward", binary.Mul.backward)],
)
def grade_mul(path, module):
    rng = rng_for("mul")
    cases = [Case(normal(rng, *a), normal(rng, *b)) for a, b in broadcast_pairs(rng)]
    cases.append(Case(normal(rng, 2, 3), 2.5, note="b is the number 2.5"))
    checks.check_op(path, module, binary.Mul, {"backward": "mul_backward"}, cases, ["a", "b"])


@exercise(
    "div",
    "the backward of a quotient",
    PART2,
    BACKWARD_INTRO
    + """

z = a / b:   dz/da = 1/b,   dz/db = −a/b².   Forward saved (a, b).

Hint: the quotient rule; the sign of dz/db is the usual slip.""",
    [Piece("div_backward", binary.Div.backward)],
)
def grade_div(path, module):
    rng = rng_for("div")
    cases = [Case(normal(rng, *a), away_from_zero(rng, *b)) for a, b in broadcast_pairs(rng)]
    checks.check_op(path, module, binary.Div, {"backward": "div_backward"}, cases, ["a", "b"])


@exercise(
    "pow",
    "the backward of a power",
    PART2,
    BACKWARD_INTRO
    + """

z = a^b:   dz/da = b · a^(b−1),   dz/db = a^b · ln a.   Forward saved (a, b, out) with out = a^b.
The exponent b is either a Python number (x ** 3: return None as its gradient) or an array.
At b = 0 the library returns 0 for dz/da (a^(b−1) would divide by zero at a = 0); at a = 0 it
takes ln a as 0. The grader's bases are positive, so you may leave those two guards for later.

Hint: isinstance(b, (int, float)) tells the two cases apart.""",
    [Piece("pow_backward", binary.Pow.backward)],
)
def grade_pow(path, module):
    rng = rng_for("pow")
    cases = [
        Case(rng.uniform(0.5, 2.0, shape), p, note=f"b = {p}") for shape, p in [((3,), 3), ((2, 2), 0.5)]
    ]
    cases += [Case(rng.uniform(0.5, 2.0, a), normal(rng, *b)) for a, b in broadcast_pairs(rng, 2)]
    checks.check_op(path, module, binary.Pow, {"backward": "pow_backward"}, cases, ["a", "b"])


def _unary_exercise(name, op, formula, saved, hint, values=normal, kink_case=None):
    text = BACKWARD_INTRO + f"\n\n{formula}   Forward saved {saved}.\n\nHint: {hint}"

    @exercise(name, f"the backward of {name}", PART2, text, [Piece(f"{name}_backward", op.backward)])
    def grade(path, module):
        rng = rng_for(name)
        cases = _unary_cases(rng, values)
        if kink_case is not None:
            cases.insert(0, kink_case)
        checks.check_op(path, module, op, {"backward": f"{name}_backward"}, cases, ["x"])

    return grade


def _positive(rng, *shape):
    return np.asarray(rng.uniform(0.3, 3.0, shape))


grade_exp = _unary_exercise(
    "exp",
    elementwise.Exp,
    "y = eˣ:   dy/dx = eˣ = y.",
    "(out,), the output y",
    "the derivative is the output itself: no need to compute eˣ again.",
)
grade_log = _unary_exercise(
    "log",
    elementwise.Log,
    "y = ln x:   dy/dx = 1/x.",
    "(x,), the input",
    "divide, do not multiply.",
    values=_positive,
)
grade_tanh = _unary_exercise(
    "tanh",
    elementwise.Tanh,
    "y = tanh x:   dy/dx = 1 − y².",
    "(out,), the output y",
    "write the derivative with the saved output y, not with x.",
)
grade_sigmoid = _unary_exercise(
    "sigmoid",
    elementwise.Sigmoid,
    "y = σ(x) = 1/(1 + e⁻ˣ):   dy/dx = y(1 − y).",
    "(out,), the output y",
    "like tanh, the derivative is a function of the output.",
)
grade_relu = _unary_exercise(
    "relu",
    elementwise.Relu,
    "y = max(x, 0):   dy/dx = 1 where x > 0, else 0 — and 0 at the kink x = 0, as PyTorch does.",
    "(out,), the output y",
    "a comparison gives a boolean mask that multiplies like 0 and 1; at x = 0 the gradient is 0, "
    "so compare strictly (> 0, not >= 0).",
    values=away_from_zero,
    kink_case=Case(
        np.array([0.0, 1.5, 0.0, -2.0]), note="x = 0 at indices 0 and 2, the kink", gradcheck=False
    ),
)


# ==== part 3: broadcasting undone =================================================================

PART3 = "3. Broadcasting undone"


def _sum_to_probes(args):
    grad, shape = args
    lead = grad.ndim - len(shape)
    only_lead = grad.sum(axis=tuple(range(lead))) if lead else grad
    return [
        (
            "forgot to sum over broadcast dimensions: the dims where shape has 1 but grad does not must be "
            "summed too (keepdims=True keeps their 1)",
            only_lead,
        ),
    ]


@exercise(
    "sum_to",
    "sum_to: undoing broadcasting",
    PART3,
    """When a + b broadcasts b of shape (3,) against a of shape (2, 3), each element of b is used twice,
so its gradient is the sum of the two gradients it received. The engine does this once for every
op: it calls sum_to(grad, input_shape) on each gradient whose shape differs from its input's.

Write sum_to(xp, grad, shape): sum the array grad down to shape (xp is NumPy).
  1. dims that broadcasting added in front (grad.ndim − len(shape) of them): sum them away;
  2. dims where shape has 1 and grad does not: sum them, keeping them (keepdims=True).
Examples: (2, 3) → (3,): sum axis 0.  (2, 3) → (2, 1): sum axis 1, keepdims.  (4, 2, 3) → (1, 3).

The grader compares with the library's sum_to, then makes the engine use yours for every op while
it gradchecks a + b, a · b and a − b over broadcasting shapes.

Hint: grad.sum(axis=tuple_of_axes, keepdims=True); do step 2 first, then step 1, or count axes.""",
    [Piece("sum_to", ArrayBackend.sum_to, [("(self, ", "(xp, "), ("self.module.", "xp.")])],
)
def grade_sum_to(path, module):
    rng = rng_for("sum_to")
    library = ArrayBackend.sum_to
    direct = [
        (normal(rng, 2, 3), (3,)),
        (normal(rng, 2, 3), (2, 1)),
        (normal(rng, 4, 2, 3), (1, 3)),
        (normal(rng, 2, 3), ()),
        (normal(rng, 3, 1, 4), (3, 1, 1)),
        (normal(rng, 2, 2), (2, 2)),
    ]
    graphs = []
    for a, b in broadcast_pairs(rng):
        for label, fn in [
            ("a + b", lambda x, y: x + y),
            ("a · b", lambda x, y: x * y),
            ("a − b", lambda x, y: x - y),
        ]:
            graphs.append((fn, [normal(rng, *a), normal(rng, *b)], f"{label} with shapes {a} and {b}"))

    def reference(xp, grad, shape):
        return library(tg.backend.get_backend("cpu"), grad, shape)

    checks.check_helper(path, module, "sum_to", reference, direct, graphs, _sum_to_probes)


# ==== part 4: reductions and shapes ===============================================================

PART4 = "4. Reductions and shapes"

REDUCE_INTRO = """\
Reductions take axis (None for all, or a tuple of non-negative ints) and keepdims. The output's
gradient has the output's shape; backward must spread it back over the reduced axes. With
keepdims=False the reduced axes are gone from grad: reshape it so that it broadcasts against the
input (put a 1 where each reduced axis was), then broadcast. Return (gradient, None, None): axis
and keepdims get no gradient."""


def _reduce_cases(rng, values=normal):
    cases = []
    for shape, axis, keepdims in [
        ((2, 3), None, False),
        ((2, 3), (1,), False),
        ((2, 3), (0,), True),
        ((2, 3, 4), (0, 2), False),
        ((3,), (0,), True),
        ((2, 1, 3), (1,), False),
    ]:
        cases.append(Case(values(rng, *shape), axis, keepdims, note=f"axis={axis}, keepdims={keepdims}"))
    return cases


@exercise(
    "sum",
    "the backward of sum with dim and keepdim",
    PART4,
    REDUCE_INTRO
    + """

y = Σ x over axis:   dy/dx = 1, so every input element gets the gradient of the sum it fed.
Forward stored ctx.shape (the input's shape), ctx.axis and ctx.keepdims (no saved tensors).

Hint: xp.reshape, then xp.broadcast_to(grad, ctx.shape).""",
    [Piece("sum_backward", reduce.Sum.backward)],
)
def grade_sum(path, module):
    cases = _reduce_cases(rng_for("sum"))
    checks.check_op(path, module, reduce.Sum, {"backward": "sum_backward"}, cases, ["x", "axis", "keepdims"])


@exercise(
    "mean",
    "the backward of mean",
    PART4,
    REDUCE_INTRO
    + """

y = Σ x / n over axis:   dy/dx = 1/n, n the number of elements each output averages.
Forward stored ctx.shape, ctx.axis, ctx.keepdims and ctx.count (that n).

Hint: the sum's backward, divided by n.""",
    [Piece("mean_backward", reduce.Mean.backward)],
)
def grade_mean(path, module):
    cases = _reduce_cases(rng_for("mean"))

    def forgot_count(case, expected):
        x, axis = case.args[0], case.args[1]
        count = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
        return [[("forgot to divide by the count n", expected[0].numpy() * count)]]

    checks.check_op(
        path,
        module,
        reduce.Mean,
        {"backward": "mean_backward"},
        cases,
        ["x", "axis", "keepdims"],
        forgot_count,
    )


@exercise(
    "amax",
    "max with ties: forward and backward",
    PART4,
    REDUCE_INTRO
    + """

y = max x over axis:   dy/dx = 1 at the maximum, 0 elsewhere. When several elements tie for the
maximum, PyTorch's amax (and max() without dim) shares the gradient evenly between them: with two
tied elements each gets grad/2. Write both methods:

  amax_forward(ctx, x, axis, keepdims): return the max (x.max(axis=axis, keepdims=keepdims) works),
      and save for backward the share of each element: 1/(number of ties) where x equals the max of
      its group, else 0. Also keep ctx.shape, ctx.axis, ctx.keepdims for backward.
  amax_backward(ctx, grad): grad, reshaped to broadcast against x, times the saved share.

The grader draws small integers, so ties are common, and compares both outputs and gradients.

Hint: top = x.max(axis=axis, keepdims=True); winners = (x == top); share = winners / winners.sum(...).""",
    [Piece("amax_forward", reduce.Amax.forward), Piece("amax_backward", reduce.Amax.backward)],
)
def grade_amax(path, module):
    rng = rng_for("amax")

    def ties(rng, *shape):
        return rng.integers(0, 3, shape).astype(np.float64)

    cases = [
        Case(c.args[0], *c.args[1:], note=c.note + ", with ties", gradcheck=False)
        for c in _reduce_cases(rng, ties)
    ]
    cases += [
        Case(rng.permutation(6).astype(np.float64).reshape(2, 3), (1,), False, note="axis=(1,), no ties")
    ]
    checks.check_op(
        path,
        module,
        reduce.Amax,
        {"forward": "amax_forward", "backward": "amax_backward"},
        cases,
        ["x", "axis", "keepdims"],
    )


@exercise(
    "reshape_permute",
    "the backward of reshape and permute",
    PART4,
    """Movement ops do no arithmetic: their backward moves each gradient back to where its element came from.

  reshape_backward(ctx, grad): y = x.reshape(shape). Forward stored ctx.in_shape. Return
      (gradient, None): grad reshaped back.
  permute_forward(ctx, x, dims): y = x with its axes reordered (xp.transpose(x, dims)). Store in
      ctx.inverse the permutation that undoes dims, and return the transposed array.
  permute_backward(ctx, grad): grad transposed by ctx.inverse; return (gradient, None).

Example: dims = (2, 0, 1) moves axis 2 to the front; its inverse is (1, 2, 0).

Hint: the inverse permutation puts i at position dims[i];
sorted(range(n), key=dims.__getitem__) is one way.""",
    [
        Piece("reshape_backward", movement.Reshape.backward),
        Piece("permute_forward", movement.Permute.forward),
        Piece("permute_backward", movement.Permute.backward),
    ],
)
def grade_reshape_permute(path, module):
    rng = rng_for("reshape_permute")
    cases = [
        Case(normal(rng, 2, 3, 4), (6, 4)),
        Case(normal(rng, 6), (3, 2)),
        Case(normal(rng, 2, 3), (3, 1, 2)),
    ]
    checks.check_op(path, module, movement.Reshape, {"backward": "reshape_backward"}, cases, ["x", "shape"])
    cases = [Case(normal(rng, 2, 3, 4), dims) for dims in [(2, 0, 1), (1, 2, 0), (0, 2, 1), (2, 1, 0)]]
    cases.append(Case(normal(rng, 2, 3), (1, 0)))
    learned = {"forward": "permute_forward", "backward": "permute_backward"}
    checks.check_op(path, module, movement.Permute, learned, cases, ["x", "dims"])


def _index_add_probes(args):
    shape, index, values = args
    overwritten = np.zeros(shape)
    overwritten[index] = values
    return [
        ("repeated indices must add up: out[index] = values keeps only the last; use xp.add.at", overwritten)
    ]


@exercise(
    "index_add",
    "indexing with repeated indices",
    PART4,
    """y = x[index] picks elements; with an integer array as index an element may be picked several
times (x[[0, 2, 0]] uses x[0] twice), and then its gradient is the sum of all its picks.

Write index_add(xp, shape, index, values): zeros of `shape` with `values` added at `index`,
where repeated indices accumulate. The backward of x[index] is index_add(x.shape, index, grad).

The grader compares with the library's index_add and makes the engine use yours for indexing
while it gradchecks x[index] for slices, repeated integer indices and boolean masks.

Hint: out[index] += values does NOT accumulate repeats (each repeat overwrites); NumPy's
xp.add.at(out, index, values) does.""",
    [
        Piece(
            "index_add",
            ArrayBackend.index_add,
            [("(self, ", "(xp, "), ("self.module.", "xp."), ("self._add_at(", "xp.add.at(")],
        )
    ],
)
def grade_index_add(path, module):
    rng = rng_for("index_add")
    repeated = (np.array([0, 2, 0, 0]),)
    pairs = (np.array([0, 1, 1]), np.array([2, 2, 2]))
    mask = np.array([True, False, True])
    direct = [
        ((3,), repeated, normal(rng, 4)),
        ((3, 4), pairs, normal(rng, 3)),
        ((3, 2), repeated, normal(rng, 4, 2)),
        ((3, 2), (slice(1, None),), normal(rng, 2, 2)),
        ((3, 2), (mask,), normal(rng, 2, 2)),
    ]
    graphs = [
        (lambda x: x[repeated] * 2, [normal(rng, 3)], "x[[0, 2, 0, 0]]"),
        (lambda x: x[pairs], [normal(rng, 3, 4)], "x[[0, 1, 1], [2, 2, 2]]"),
        (
            lambda x: x[1:, 0].sum() * x[repeated][..., 1],
            [normal(rng, 3, 2)],
            "Σ x[1:, 0] · x[[0, 2, 0, 0]][..., 1]",
        ),
        (lambda x: x[mask].sin(), [normal(rng, 3, 2)], "x[mask]"),
    ]

    def reference(xp, shape, index, values):
        return ArrayBackend.index_add(tg.backend.get_backend("cpu"), shape, index, values)

    checks.check_helper(path, module, "index_add", reference, direct, graphs, _index_add_probes)


# ==== part 5: matmul, softmax, cross-entropy ======================================================

PART5 = "5. Matmul, softmax and cross-entropy"


@exercise(
    "matmul",
    "the backward of matmul, batched",
    PART5,
    BACKWARD_INTRO
    + """

C = A @ B with A (…, n, k) and B (…, k, m):   dA = dC @ Bᵀ,   dB = Aᵀ @ dC,
where ᵀ swaps the last two axes (xp.swapaxes(b, -1, -2)). The leading (batch) axes may broadcast,
e.g. A (2, 3, 4) @ B (4, 5): the engine sums dB back over the batch axis for you.
Forward saved (a, b).

Hint: check the shapes: dA must be (…, n, k) and dB (…, k, m).""",
    [Piece("matmul_backward", linalg.MatMul.backward)],
)
def grade_matmul(path, module):
    rng = rng_for("matmul")
    shapes = [
        ((2, 3), (3, 4)),
        ((1, 3), (3, 1)),
        ((2, 3, 4), (4, 2)),
        ((3, 2), (2, 2, 5)),
        ((2, 1, 2, 3), (3, 3, 2)),
    ]
    cases = [Case(normal(rng, *a), normal(rng, *b)) for a, b in shapes]
    checks.check_op(path, module, linalg.MatMul, {"backward": "matmul_backward"}, cases, ["A", "B"])


def _axis_cases(rng):
    return [
        Case(normal(rng, *shape), axis, note=f"axis={axis}")
        for shape, axis in [((4,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3, 4), 2)]
    ]


@exercise(
    "softmax",
    "the backward of softmax",
    PART5,
    BACKWARD_INTRO
    + """

y = softmax(x) = eˣ / Σ eˣ along axis. Every output depends on every input of its row, so the
backward is a vector-Jacobian product:  dx = y · (dy − Σ dy·y), the sum along axis (keepdims).
Forward saved (out,) and stored ctx.axis. Return (gradient, None).

Hint: the Jacobian is diag(y) − y yᵀ; multiply it by dy without building it.""",
    [Piece("softmax_backward", reduce.SoftmaxOp.backward)],
)
def grade_softmax(path, module):
    cases = _axis_cases(rng_for("softmax"))
    checks.check_op(path, module, reduce.SoftmaxOp, {"backward": "softmax_backward"}, cases, ["x", "axis"])


@exercise(
    "log_softmax",
    "the backward of log_softmax",
    PART5,
    BACKWARD_INTRO
    + """

y = log_softmax(x) = x − log Σ eˣ along axis:   dx = dy − softmax(x) · Σ dy  (sum along axis, keepdims),
and softmax(x) = e^y. Forward saved (out,), the output y, and stored ctx.axis. Return (gradient, None).

Hint: the derivative of log Σ eˣ is softmax(x).""",
    [Piece("log_softmax_backward", reduce.LogSoftmaxOp.backward)],
)
def grade_log_softmax(path, module):
    cases = _axis_cases(rng_for("log_softmax"))
    checks.check_op(
        path, module, reduce.LogSoftmaxOp, {"backward": "log_softmax_backward"}, cases, ["x", "axis"]
    )


@exercise(
    "cross_entropy",
    "cross-entropy: the (softmax − onehot)/N gradient",
    PART5,
    BACKWARD_INTRO
    + """

ℓ = Σᵢ [−Σ_c aᵢc · log softmax(zᵢ)_c] / d for logits z (N, C) and coefficients a (N, C): a one-hot
row per sample (class indices), or class probabilities, or either scaled by class weights. With
a = onehot(y) and d = N it is the mean of log Σ_c e^{zᵢc} − zᵢ,yᵢ. Differentiating log-sum-exp gives
softmax, and the −z_y term gives −1 at the right class:

    dℓ/dz = (softmax(z) · Σ_c a_c − a) / d      (= (softmax(z) − onehot(y)) / N for one-hot rows)
    dℓ/da = −log softmax(z) / d                 (times grad, a scalar here)

Forward saved (logits, coefficients, log_probs, divisor), log_probs = log softmax(z) along the class
axis (so softmax(z) = ctx.xp.exp(log_probs)) and divisor = d, and stored ctx.reduce (True here: one
loss summed over the batch). Return (grad_logits, grad_coefficients, None, None). (The library's
version recomputes log_probs from the logits while a backward pass is itself being recorded — for
gradients of gradients; you may leave that out.)

Hint: do not forget the 1/d.""",
    [Piece("cross_entropy_backward", loss.CrossEntropy.backward)],
)
def grade_cross_entropy(path, module):
    rng = rng_for("cross_entropy")
    cases = []
    for n, c in [(4, 3), (1, 5), (6, 10)]:
        onehot = np.eye(c)[rng.integers(0, c, n)]
        cases.append(Case(normal(rng, n, c) * 2, onehot, float(n), True))

    def probes(case, expected):
        n = case.args[0].shape[0]
        forgot = [("forgot to divide by d, the batch size", expected[0].numpy() * n)] if n > 1 else []
        return [forgot, []]  # hints for the logits' gradient, none for the coefficients'

    checks.check_op(
        path,
        module,
        loss.CrossEntropy,
        {"backward": "cross_entropy_backward"},
        cases,
        ["logits", "coefficients", "divisor", "reduce"],
        probes,
    )


# ==== part 6: the engine ==========================================================================

PART6 = "6. The engine"


def _graphs():
    """(note, make) pairs: graphs with shared tensors, broadcasting and a chain 3,000 ops deep."""

    def shared():
        x = tg.tensor([0.5, -1.0, 2.0], dtype=tg.float64, requires_grad=True)
        w = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
        y = x * w
        z = (y.sin() + y.cos() * x).sum() + (y * y).sum()
        return z, [x, w]

    def used_twice():
        x = tg.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=tg.float64, requires_grad=True)
        return (x * x + x).sum(), [x]

    def add_shares():
        x = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
        y = tg.tensor([0.5, 3.0], dtype=tg.float64, requires_grad=True)
        s = x + y
        return (s * 3).sum() + (x * 2).sum() + (s * y).sum(), [x, y]

    def deep():
        x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
        y = x
        for _ in range(3000):
            y = y * 1.0001
        return y.sum(), [x]

    return [
        ("a diamond: y = x·w feeds sin, cos and y·y", shared),
        ("x used twice: sum(x·x + x)", used_twice),
        ("s = x + y shares one gradient with x and y", add_shares),
        ("a chain of 3,000 multiplications", deep),
    ]


@exercise(
    "topological_order",
    "topological order without recursion",
    PART6,
    """backward() must visit the graph so that a tensor's gradient is complete before it is sent on:
every tensor after all the tensors it was computed from (inputs first), then the engine walks the
list in reverse. A recursive depth-first search is the textbook way, but a graph 3,000 ops deep
exceeds Python's recursion limit (1,000): use an explicit stack.

Write topological_order(roots): a list of the tensors that require grad, reachable from `roots`
(a list of tensors) through the graph, each once, each after its inputs. For a tensor t:
t._requires_grad says whether it takes part; t._ctx is the op that made it (None for a leaf);
t._ctx.inputs are that op's arguments (tensors, or other values to skip).

The grader swaps your function into the engine and compares leaf gradients on graphs with shared
tensors and on a chain of 3,000 ops.

Hint: push (node, expanded) pairs: pop a node; if it is expanded, append it to the order;
otherwise mark it visited, push it back as expanded, then push its unvisited inputs. (The
library's version also handles custom Functions and in-place changes: you may ignore those.)""",
    [Piece("topological_order", engine.topological_order)],
)
def grade_topological_order(path, module):
    checks.check_engine(path, module, "topological_order", "topological_order", _graphs())


@exercise(
    "accumulate",
    "gradient accumulation for a tensor used twice",
    PART6,
    """When a tensor feeds two ops (x in x·x + x), its gradient is the sum of what each consumer sends
back. The engine keeps a dict `grads` from tensor to its running total; each contribution goes
through add_gradient(grads, tensor, grad).

Write add_gradient(grads, tensor, grad): store grad if the tensor has no total yet, otherwise add it.
Add out of place (total = previous + grad), never `+=`: contributions may be one and the same array
(the backward of a + b hands the very same gradient to a and to b), and changing it in place would
change the other tensor's gradient too.

The grader swaps your function into the engine and compares leaf gradients on graphs where
tensors are used more than once.

Hint: grads.get(tensor) is None for a tensor seen for the first time.""",
    [Piece("add_gradient", engine._add)],
)
def grade_accumulate(path, module):
    try:
        checks.check_engine(path, module, "add_gradient", "_add", _graphs())
    except LearnerError as error:
        if "read-only" not in str(error):
            raise
        raise LearnerError(
            f"{error}\n  hint: add out of place (grads[tensor] = previous + grad): a gradient may be a "
            "read-only view, or the very array another tensor holds"
        ) from None


# ==== part 7: optimizers ==========================================================================

PART7 = "7. Optimizers as update formulas"

OPTIM_INTRO = """\
The optimizer classes of tg.optim keep the parameter groups and the state; each update rule is a
short function of arrays, called once per parameter per step. Write that function: it must change
`param` and the state buffers in place (param -= ..., buf *= ...), because the optimizer passes the
very arrays it keeps; it gets its arguments by name (the state buffers under the names the
optimizer's state uses). Keyword arguments the grader always sets to 0 or False (weight_decay,
dampening, maximize, amsgrad, ...) may be ignored.

The grader runs the library's optimizer with your function for 50 steps and compares the
parameters after every step with the library's own."""


def optimizer_config(name, **hyperparameters):
    """A configuration to grade in: its label ``Name(k=v, ...)`` and a function making that optimizer."""
    arguments = ", ".join(f"{key}={value!r}" for key, value in hyperparameters.items())
    return f"{name}({arguments})", lambda params: getattr(tg.optim, name)(params, **hyperparameters)


def optimizer_exercise(name, title, formula, owner, configs):
    """Register the exercise ``owner.<name>``: an update rule graded inside tg.optim in each config."""

    @exercise(name, title, PART7, OPTIM_INTRO + formula, [Piece(name, getattr(owner, name))])
    def grade(path, module):
        checks.check_optimizer(path, module, name, owner, configs)


@exercise(
    "sgd",
    "SGD with momentum and Nesterov",
    PART7,
    OPTIM_INTRO
    + """

sgd(xp, param, grad, momentum_buffer=None, *, lr, momentum, dampening, weight_decay, nesterov, maximize)
    -> {"momentum_buffer": b}

    b ← μ·b + g   (at the first step, when momentum_buffer is None: b = a copy of g)
    g ← g + μ·b   with nesterov=True, else g ← b
    θ ← θ − γ·g
With momentum = 0, skip the buffer: θ ← θ − γ·g. Return {"momentum_buffer": b} (None without
momentum): the optimizer stores the buffer you return at the first step.

Hint: the first step's buffer must be a copy (xp.array(grad)): later steps change it in place.""",
    [Piece("sgd", sgd_module.sgd)],
)
def grade_sgd(path, module):
    configs = [
        optimizer_config("SGD", lr=0.05),
        optimizer_config("SGD", lr=0.05, momentum=0.9),
        optimizer_config("SGD", lr=0.05, momentum=0.9, nesterov=True),
    ]
    library = sgd_module.sgd

    def heavy_ball_for_nesterov(*args, nesterov, **kw):
        return library(*args, nesterov=False, **kw)

    variants = [("that is plain momentum: with nesterov=True the step uses g + μ·b", heavy_ball_for_nesterov)]
    checks.check_optimizer(path, module, "sgd", sgd_module, configs, variants)


optimizer_exercise(
    "adagrad",
    "Adagrad",
    """

adagrad(xp, param, grad, sum, *, step, lr, lr_decay, weight_decay, eps, maximize)

    γₜ = γ / (1 + (t − 1)·η)      (η = lr_decay, t = step, counted from 1)
    G ← G + g²                    (G = sum, a running sum per coordinate: PyTorch's state name)
    θ ← θ − γₜ · g / (√G + ε)

Hint: ε is added after the square root.""",
    adagrad_module,
    [optimizer_config("Adagrad", lr=0.1), optimizer_config("Adagrad", lr=0.1, lr_decay=0.01)],
)


optimizer_exercise(
    "rmsprop",
    "RMSprop",
    """

rmsprop(xp, param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha, eps, weight_decay,
        momentum, centered, maximize)

    v ← α·v + (1 − α)·g²          (v = square_avg, a moving average of squared gradients)
    θ ← θ − γ · g / (√v + ε)
The grader uses momentum = 0 and centered = False (grad_avg and momentum_buffer are then None).

Hint: like Adagrad, but v forgets: an exponentially weighted average instead of a sum.""",
    rmsprop_module,
    [optimizer_config("RMSprop", lr=0.01), optimizer_config("RMSprop", lr=0.01, alpha=0.9)],
)


@exercise(
    "adam",
    "Adam with bias correction",
    PART7,
    OPTIM_INTRO
    + """

adam(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr, betas, eps, weight_decay,
     amsgrad, maximize, decoupled_weight_decay)

    m ← β₁·m + (1 − β₁)·g          (exp_avg)
    v ← β₂·v + (1 − β₂)·g²         (exp_avg_sq)
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)     (bias correction: m and v start at 0)
    θ ← θ − γ · m̂ / (√v̂ + ε)
t = step counts from 1 at the first step (the optimizer has already increased it).

Hint: at step 1, m̂ must equal g exactly: that is what the correction is for.""",
    [Piece("adam", adam_module.adam)],
)
def grade_adam(path, module):
    configs = [
        optimizer_config("Adam", lr=0.05),
        optimizer_config("Adam", lr=0.05, betas=(0.8, 0.9)),
    ]
    library = adam_module.adam

    def shifted(offset):
        def variant(*args, step, **kwargs):
            return library(*args, step=step + offset, **kwargs)

        return variant

    def uncorrected(*args, step, **kwargs):
        return library(*args, step=10**6, **kwargs)

    variants = [
        (
            "bias correction off by one step: at step t use 1 − β₁ᵗ and 1 − β₂ᵗ with t counted from 1",
            shifted(1),
        ),
        (
            "bias correction off by one step: at step t use 1 − β₁ᵗ and 1 − β₂ᵗ with t counted from 1",
            shifted(-1),
        ),
        ("no bias correction: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ", uncorrected),
    ]
    checks.check_optimizer(path, module, "adam", adam_module, configs, variants)


@exercise(
    "cosine_schedule",
    "a learning-rate schedule: cosine annealing",
    PART7,
    """A schedule changes the learning rate as training goes on. Cosine annealing (SGDR, Loshchilov &
Hutter 2017) glides from the starting rate down to eta_min along half a cosine over T_max epochs:

    lr(t) = eta_min + (base_lr − eta_min) · (1 + cos(π · t / T_max)) / 2

Write cosine_lr(self) for a scheduler object: return a list with the rate of each parameter group
at epoch t = self.last_epoch, using self.base_lrs (one starting rate per group), self.T_max and
self.eta_min. (Past T_max the cosine rises again, as PyTorch's does; the formula does that by itself.)

The grader makes your function the schedule of tg.optim.lr_scheduler.CosineAnnealingLR and
compares the rate of every epoch over 50 epochs with the library's.

Hint: import math for math.cos and math.pi.""",
    [Piece("cosine_lr", lr_scheduler.CosineAnnealingLR._closed_form_lr)],
    imports=("import math",),
)
def grade_cosine_schedule(path, module):
    configs = [
        ("CosineAnnealingLR(T_max=10, eta_min=0.01)", lambda cls, opt: cls(opt, T_max=10, eta_min=0.01)),
        ("CosineAnnealingLR(T_max=30)", lambda cls, opt: cls(opt, T_max=30)),
    ]
    checks.check_schedule(path, module, "cosine_lr", lr_scheduler.CosineAnnealingLR, "get_lr", configs)


from .capstone import CAPSTONE_SOLUTION, CAPSTONE_STUB, CAPSTONE_TEXT, grade_capstone  # noqa: E402

exercise(
    "capstone",
    "capstone: train on the digits with your own pieces",
    "8. Capstone",
    CAPSTONE_TEXT,
    [],
    solution=CAPSTONE_SOLUTION,
    stub=CAPSTONE_STUB,
)(grade_capstone)

for _number, _exercise in enumerate(EXERCISES, 1):
    _exercise.number = _number
