"""Tutorial 6: Numerical vs analytic gradients

Finite differences approximate a derivative well only for a middle range of step sizes h, which is why
gradient checking compares autograd with central differences in float64, and how it catches a wrong backward.

Run:  python examples/06_numerical_gradients.py [--quick]   or   tinygrad-edu lab 06
"""

# %%
import warnings

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("06_numerical_gradients")  # PNGs go to lab_figures/06_numerical_gradients/

points_per_decade = 2 if QUICK else 8  # how finely the error-vs-h plot samples h
tg.manual_seed(0)

# %% [markdown]
# ## The derivative as a limit, taken with a finite h
#
# The derivative is the limit f'(x) = lim_{h→0} (f(x + h) − f(x)) / h. A computer cannot take the limit, but
# it can pick a small h and compute the quotient: the *forward difference*. Taylor's formula says how wrong
# it is: f(x + h) = f(x) + h·f'(x) + h²/2·f''(x) + …, so
#
#     forward:  (f(x + h) − f(x)) / h          = f'(x) + h/2·f''(x) + …      error ∝ h
#     central:  (f(x + h) − f(x − h)) / (2h)   = f'(x) + h²/6·f'''(x) + …    error ∝ h²
#
# (in the central difference the h² terms cancel). So a smaller h should always be better. It is not:
# f(x + h) and f(x) agree in their first digits, and their difference keeps only the digits in which they
# differ. A float64 number carries about 16 significant digits (machine epsilon ε ≈ 2.2·10⁻¹⁶), so the
# subtraction loses about ε·|f(x)| in absolute terms, and dividing by h turns that into a *round-off* error
# of about ε·|f(x)| / h, which grows as h shrinks. The total error is smallest where the two balance:
# h ≈ √ε ≈ 10⁻⁸ for the forward difference and h ≈ ε^(1/3) ≈ 10⁻⁵ for the central one.
#
# The example: f(x) = x³ at x = 1, where autograd says f'(1) = 3.


# %%
def f(x):
    """The cube, f(x) = x³."""
    return x**3


X0 = 1.0


def value(at, dtype=tg.float64):
    """f(at) evaluated by tinygrad_edu in the given precision, as a Python float."""
    return f(tg.tensor(at, dtype=dtype)).item()


def autograd_derivative(at, dtype=tg.float64):
    """f'(at) from backward()."""
    x = tg.tensor(at, dtype=dtype, requires_grad=True)
    f(x).backward()
    return x.grad.item()


def forward_difference(at, h, dtype=tg.float64):
    """(f(x + h) − f(x)) / h."""
    return (value(at + h, dtype) - value(at, dtype)) / h


def central_difference(at, h, dtype=tg.float64):
    """(f(x + h) − f(x − h)) / (2h)."""
    return (value(at + h, dtype) - value(at - h, dtype)) / (2 * h)


exact = autograd_derivative(X0)
print(f"autograd: f'(1) = {exact}")
assert exact == 3.0, "the derivative of x³ at 1 is 3"

# %% [markdown]
# ## The forward-difference table
#
# The course's table: h from 10⁻¹ down to 10⁻¹², the two quotients and their errors against autograd.
# Read the error columns downwards: they shrink (10× per row for the forward difference, 100× for the
# central one) until round-off takes over, and then grow again.

# %%
print(f"\n{'h':>7} {'forward':>20} {'|error|':>10} {'central':>20} {'|error|':>10}")
for h in 10.0 ** -np.arange(1, 13):
    fwd, ctr = forward_difference(X0, h), central_difference(X0, h)
    print(f"{h:7.0e} {fwd:20.15f} {abs(fwd - exact):10.2e} {ctr:20.15f} {abs(ctr - exact):10.2e}")

# %% [markdown]
# `tg.numerical_grad(f, x, eps, method)` is the same computation, element by element for a tensor x — the
# tool behind `tg.gradcheck` below. It agrees with the hand-written quotients to the last bit.

# %%
x0 = tg.tensor(X0, dtype=tg.float64)
for method, by_hand in (("forward", forward_difference), ("central", central_difference)):
    library = tg.numerical_grad(f, x0, eps=1e-6, method=method).item()
    assert library == by_hand(X0, 1e-6), f"numerical_grad({method}) should equal the {method} quotient"

# %% [markdown]
# ## Error against h: truncation falls, round-off rises
#
# Now finely spaced h from 10⁻¹⁵ to 1, on a log-log plot. A power law error ∝ hᵖ is a straight line of slope
# p: slope 1 on the right for the forward difference, slope 2 for the central one (the grey dotted lines are
# Taylor's predictions, 3h and h², since f''(1) = 6 and f'''(1) = 6). On the left, round-off makes a noisy
# line of slope −1. The vertical lines mark the best h of each. The dashed curves repeat the experiment in
# float32 (ε ≈ 1.2·10⁻⁷): the same V shape, but its bottom sits at a much larger h and a much larger error —
# the reason gradients are checked in float64. (On the right they lie under the float64 curves: truncation
# does not care about the precision. On the far left they are flat at 3: there x + h rounds back to x in
# float32, the difference is 0 and the whole derivative is lost.) Part of the round-off is in x + h itself:
# 1 + 10⁻¹⁰ is not a float64 number, so the step actually taken, (x + h) − x, is off by about 10⁻⁷ of h.

# %%
hs = np.logspace(-15, 0, 15 * points_per_decade + 1)
errors = {}
for dtype, name in ((tg.float64, "float64"), (tg.float32, "float32")):
    truth = autograd_derivative(X0, dtype)
    for kind, quotient in (("forward", forward_difference), ("central", central_difference)):
        errors[f"{kind}, {name}"] = np.array([abs(quotient(X0, h, dtype) - truth) for h in hs])


def best_h(curve):
    """The h with the smallest error (round-off can make an error exactly 0 by luck: treat as tiny)."""
    return hs[np.argmin(curve)]


def fitted_slope(curve, low, high):
    """The slope of log(error) against log(h), by least squares over low ≤ h ≤ high."""
    inside = (hs >= low) & (hs <= high)
    return np.polyfit(np.log10(hs[inside]), np.log10(curve[inside]), 1)[0]


slope_forward = fitted_slope(errors["forward, float64"], 1e-4, 1e-1)
slope_central = fitted_slope(errors["central, float64"], 1e-3, 1e-1)
print(f"\n{'':18} {'best h':>8} {'smallest error':>15}")
for label, curve in errors.items():
    print(f"{label:18} {best_h(curve):8.0e} {curve.min():15.2e}")
print(f"slopes in the truncation regime: forward {slope_forward:.2f}, central {slope_central:.2f}")

forward64, central64 = errors["forward, float64"], errors["central, float64"]
assert 1e-10 <= best_h(forward64) <= 1e-5, (
    f"forward's best h should be near 1e-8, got {best_h(forward64):.0e}"
)
assert 1e-7 <= best_h(central64) <= 1e-3, f"central's best h should be near 1e-5, got {best_h(central64):.0e}"
assert abs(slope_forward - 1) < 0.15, f"forward error should fall like h (slope 1), got {slope_forward:.2f}"
assert abs(slope_central - 2) < 0.15, f"central error should fall like h² (slope 2), got {slope_central:.2f}"
assert central64.min() < forward64.min() / 10, "at its best h the central difference is far more accurate"
assert forward64[hs <= 1e-12].min() > 10 * forward64.min(), "below the best h, round-off makes it worse"
assert best_h(errors["forward, float32"]) > 100 * best_h(forward64), "float32's best h is much larger"
assert errors["forward, float32"].min() > 1e3 * forward64.min(), "and its best error much worse"

# %%
fig, ax = viz.subplots(figsize=(8, 5.5))
for label, curve in errors.items():
    color = "C0" if label.startswith("forward") else "C1"
    linestyle = "-" if label.endswith("float64") else "--"
    ax.loglog(hs, np.maximum(curve, 1e-17), linestyle, color=color, marker=".", markersize=4, label=label)
ax.loglog(hs, 3 * hs, ":", color="0.4", label="Taylor: 3h (slope 1)")
ax.loglog(hs, hs**2, ":", color="0.65", label="Taylor: h² (slope 2)")
for label in ("forward, float64", "central, float64"):
    color = "C0" if label.startswith("forward") else "C1"
    ax.axvline(best_h(errors[label]), color=color, linewidth=0.8, label=f"best h, {label.split(',')[0]}")
ax.set(
    xlabel="step h",
    ylabel="|finite difference − autograd|",
    title="Error of finite differences of x³ at x = 1: truncation (right) vs round-off (left)",
    ylim=(1e-17, 1e2),
)
ax.legend(fontsize="small", loc="lower left", ncols=2)
save(fig, "error_vs_h")

# %% [markdown]
# ## `tg.gradcheck`: autograd against central differences
#
# `tg.gradcheck(fn, inputs)` builds the whole Jacobian of `fn` twice — once row by row from autograd, once
# column by column from central differences with eps = 10⁻⁶ — and compares them elementwise with
# |analytical − numerical| ≤ atol + rtol·|numerical|. From the plot above, central differences in float64
# at h = 10⁻⁶ are good to about 10⁻¹⁰, far inside the tolerance (atol = 10⁻⁵, rtol = 10⁻³).
#
# In float32 the same eps is a disaster: near 1 the float32 numbers are 1.2·10⁻⁷ apart, so x ± 10⁻⁶ is
# rounded by up to 6%, and the quotient inherits that error. gradcheck warns about non-float64 inputs and
# then (usually) fails, although the analytical gradient is perfectly right; with eps = 10⁻³ float32
# passes some checks and fails others.


# %%
def random_input(*shape, dtype=tg.float64):
    """A random tensor that requires grad."""
    return tg.randn(*shape, dtype=dtype, requires_grad=True)


checks = {
    "sin(x)·x": (lambda x: x.sin() * x, [(5,)]),
    "softmax(x)": (lambda x: x.softmax(dim=-1), [(2, 4)]),
    "tanh(x @ W)": (lambda x, w: (x @ w).tanh(), [(3, 4), (4, 2)]),
    "logsumexp(x·x)": (lambda x: (x * x).logsumexp(dim=0), [(6,)]),
}
print(f"\n{'function':16} {'float64':>8} {'float32':>8} {'float32, eps=1e-3':>18}")
results = {}
for name, (fn, shapes) in checks.items():
    inputs64 = [random_input(*shape) for shape in shapes]
    inputs32 = [x.detach().float().requires_grad_() for x in inputs64]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        passed = (
            tg.gradcheck(fn, inputs64),
            tg.gradcheck(fn, inputs32, raise_exception=False),
            tg.gradcheck(fn, inputs32, eps=1e-3, raise_exception=False),
        )
    results[name] = passed
    print(f"{name:16} {passed[0]!s:>8} {passed[1]!s:>8} {passed[2]!s:>18}")
print(f"gradcheck's warning for float32: {caught[0].message}")

assert all(passed[0] for passed in results.values()), "every correct op passes gradcheck in float64"
assert not any(passed[1] for passed in results.values()), (
    "float32 with eps=1e-6 fails although autograd is right"
)
assert any("float64" in str(w.message) for w in caught), "gradcheck should warn about float32 inputs"

# %% [markdown]
# ## A wrong backward, caught
#
# Now a custom op with a bug. The sigmoid s(x) = 1 / (1 + e⁻ˣ) has the derivative s'(x) = s·(1 − s); our
# `BadSigmoid` forgets the (1 − s) factor. Its forward pass is right, so every output looks fine and a
# network built from it would even train, just badly: the bug lives only in the gradient. gradcheck finds
# it at once and names the worst element, with the analytical (wrong) and numerical (right) values.


# %%
class BadSigmoid(tg.autograd.Function):
    """s = 1 / (1 + e⁻ˣ), with a WRONG derivative: ds/dx = s (missing the factor 1 − s)."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + (-x).exp())
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s  # the bug


class Sigmoid(BadSigmoid):
    """s = 1 / (1 + e⁻ˣ);  ds/dx = s·(1 − s)."""

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


x = random_input(4)
caught_error = None
try:
    tg.gradcheck(BadSigmoid.apply, (x,))
except tg.GradcheckError as error:
    caught_error = error
print(f"\nBadSigmoid: {caught_error}")
assert caught_error is not None, "gradcheck must catch the wrong derivative of BadSigmoid"
assert "analytical" in str(caught_error) and "numerical" in str(caught_error)

print(f"Sigmoid (fixed): gradcheck passes = {tg.gradcheck(Sigmoid.apply, (x,))}")
assert np.allclose(Sigmoid.apply(x).detach().numpy(), x.sigmoid().detach().numpy()), "same forward as tg"
assert np.allclose(BadSigmoid.apply(x).detach().numpy(), x.sigmoid().detach().numpy()), "the bug hides here"

# %% [markdown]
# The picture of the bug: the derivative each op's backward reports, against finite differences, over a
# range of x. The wrong derivative s(x) climbs to 1 where the true one, s·(1 − s), peaks at 1/4 and falls
# back to 0 — a bug only a comparison with the numbers themselves reveals.


# %%
def derivative_curve(op, grid):
    """d op(x) / dx at every grid point, from the op's own backward."""
    x = tg.tensor(grid, dtype=tg.float64, requires_grad=True)
    op(x).sum().backward()  # elementwise op: the gradient of the sum is the derivative at each point
    return x.grad.numpy()


grid = np.linspace(-6, 6, 121)
numerical = tg.numerical_grad(lambda x: Sigmoid.apply(x).sum(), tg.tensor(grid, dtype=tg.float64))
bad, good = derivative_curve(BadSigmoid.apply, grid), derivative_curve(Sigmoid.apply, grid)
assert np.allclose(good, numerical, atol=1e-8) and not np.allclose(bad, numerical, atol=1e-2)

fig, ax = viz.subplots(figsize=(7, 4.5))
ax.plot(grid, bad, color="C3", label="BadSigmoid.backward: s (wrong)")
ax.plot(grid, good, color="C2", label="Sigmoid.backward: s·(1 − s)")
ax.plot(grid[::6], numerical[::6], "ko", markersize=4, label="central differences")
ax.set(xlabel="x", ylabel="ds/dx", title="A wrong backward against finite differences")
ax.legend(fontsize="small")
save(fig, "wrong_backward")

# %% [markdown]
# ## The chain rule, node by node
#
# gradcheck judges the final numbers. To see how autograd arrives at them, `viz.draw_graph(loss)` returns
# the graph behind a tensor as Graphviz DOT text (boxes: tensors, ellipses: ops; paste it into any Graphviz
# viewer, or call `.render("graph")` where Graphviz is installed), and `viz.trace_backward(loss)` runs the
# backward pass and prints each chain-rule step: the gradient arriving at an op's output and the gradient
# it sends to each input. Here for one sigmoid neuron, loss = σ(w·x + b). Draw the graph *before* the
# backward pass, which frees it.

# %%
w = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
b = tg.tensor(0.25, dtype=tg.float64, requires_grad=True)
inputs = tg.tensor([2.0, 1.0], dtype=tg.float64)


def neuron(w, b):
    """σ(w·x + b) for the fixed input x."""
    return ((w * inputs).sum() + b).sigmoid()


loss = neuron(w, b)
names = {"w": w, "b": b, "x": inputs}
print(viz.draw_graph(loss, names=names))
steps_taken = viz.trace_backward(loss, names=names)
numerical_w = tg.numerical_grad(lambda w_: neuron(w_, b), w.detach())
assert len(steps_taken) >= 3, "the trace shows one step per op: Sigmoid, Add, Sum, Mul"
assert np.allclose(w.grad.numpy(), numerical_w, atol=1e-8), "the traced backward left the right gradient"

# %% [markdown]
# What to take away: a finite difference is a derivative only for a middle range of h — too large and
# truncation dominates, too small and round-off does. Central differences in float64 are accurate enough to
# check autograd, and `tg.gradcheck` does exactly that: every new op in this library (and every custom op
# you write) should pass it.
