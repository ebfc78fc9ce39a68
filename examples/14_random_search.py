"""Tutorial 14: Derivative-free search

Random search, which only ever evaluates the loss, against gradient descent: it pays for every step with many
evaluations, more the more dimensions there are, but it still works where the gradient is zero everywhere.

Run:  python examples/14_random_search.py [--quick]   or   tinygrad-edu lab 14
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import optim, viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("14_random_search")  # PNGs go to lab_figures/14_random_search/

gd_steps, rs_steps = (40, 150) if QUICK else (100, 200)
dimensions = [2, 8, 32] if QUICK else [2, 4, 8, 16, 32, 64]
seeds = [0] if QUICK else [0, 1, 2]  # the dimension sweep averages over this many problems
classify_steps = 40 if QUICK else 100
tg.manual_seed(0)

# %% [markdown]
# ## Searching without gradients
#
# Gradient descent needs ∇J. Sometimes there is none worth having: the loss comes out of a simulator, a
# game, a compiler, or it is a count (errors, wins) that is flat almost everywhere. *Random search* only
# evaluates J. `tg.optim.RandomSearch` (basic random search, Mania, Guy & Recht 2018) draws k random
# Gaussian directions δ, measures the loss on both sides of θ along each, L± = J(θ ± σ·δ), and steps
#
#     θ ← θ − α / (k·σ_R) · Σ (L₊ − L₋)·δ,
#
# where σ_R is the spread of the measured losses. (L₊ − L₋)/2σ is a finite-difference slope along δ, so the
# sum is a noisy estimate of the gradient built from 2k evaluations. Its `step(closure)` takes a closure
# that only returns the loss; no `backward()` anywhere.
#
# To compare the two fairly we count cost in *evaluations of J*. A random-search step costs 1 + 2k (the
# loss at θ, which it reports, plus the two probes per direction). A gradient step costs one forward pass
# plus one backward pass; reverse-mode autodiff computes the whole gradient for a small constant multiple
# of the forward pass, and we charge the backward pass as two forward passes, so a GD step counts 3.

# %%
DIRECTIONS = 8
RS_SETTINGS = dict(lr=0.05, std=0.1, num_directions=DIRECTIONS)  # the same for every problem below
GD_LR = 0.2
RS_COST, GD_COST = 1 + 2 * DIRECTIONS, 3  # evaluations of J per step


def regression_problem(dim, seed, n=100):
    """A noise-free linear regression y = X·w* with X (n, dim) Gaussian: the minimum loss is exactly 0."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, dim))
    return tg.tensor(features), tg.tensor(features @ rng.standard_normal(dim))


def mse(w, features, targets):
    return ((features @ w - targets) ** 2).mean()


def run(method, features, targets, steps, stop_below=0.0):
    """Minimise the regression loss from w = 0 with ``method`` ("GD" or "RS"); returns the loss per step."""
    w = tg.zeros(features.shape[1], dtype=tg.float64, requires_grad=True)
    if method == "GD":
        opt = optim.GD([w], lr=GD_LR)

        def closure():
            opt.zero_grad()
            loss = mse(w, features, targets)
            loss.backward()
            return loss

    else:
        opt = optim.RandomSearch([w], **RS_SETTINGS)

        def closure():  # only the loss: RandomSearch runs it under no_grad
            return mse(w, features, targets)

    losses = []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        if losses[-1] < stop_below:
            break
    with tg.no_grad():
        losses.append(mse(w, features, targets).item())
    return np.array(losses)


# %% [markdown]
# ## A smooth problem: least squares in ten dimensions
#
# Fit the ten weights of a linear model to 100 noise-free points. Per *step*, random search does
# respectably: each step moves along an estimate of the gradient. Per *evaluation* — what the computer
# actually pays for — gradient descent wins by a wide margin: one backward pass gives all ten partial
# derivatives at once, where random search needs many probes to learn as much.

# %%
features, targets = regression_problem(10, seed=0)
curves = {"gradient descent": run("GD", features, targets, gd_steps)}
curves[f"random search (k = {DIRECTIONS})"] = run("RS", features, targets, rs_steps)
costs = {"gradient descent": GD_COST, f"random search (k = {DIRECTIONS})": RS_COST}

fig, axes = viz.subplots(1, 2, figsize=(12, 4.5))
viz.plot_curves(
    curves,
    x={name: np.arange(len(c)) * costs[name] for name, c in curves.items()},
    ax=axes[0],
    xlabel="evaluations of J (GD step = 3, RS step = 1 + 2k)",
    ylabel="training loss (MSE)",
    logy=True,
    title="Least squares, 10 weights: loss against cost",
)
axes[0].set_xlim(0, len(curves["gradient descent"]) * GD_COST * 4)
viz.plot_curves(curves, ax=axes[1], ylabel="training loss (MSE)", logy=True, title="… and against step")
for ax in axes:
    ax.set_ylim(1e-20, None)  # below, only float64 rounding is left
save(fig, "loss_vs_evaluations")

target = 1e-3 * curves["gradient descent"][0]  # "solved": the loss down to 0.1% of its start


def evaluations_to(losses, cost):
    """The evaluations spent until the loss first fell below ``target`` (inf if it never did)."""
    below = np.flatnonzero(losses < target)
    return below[0] * cost if below.size else np.inf


print(f"{'method':26}{'steps':>7}{'final loss':>12}{'evaluations to 0.1%':>22}")
for name, losses in curves.items():
    print(f"{name:26}{len(losses) - 1:7d}{losses[-1]:12.2e}{evaluations_to(losses, costs[name]):22.0f}")

gd_losses, rs_losses = curves.values()
assert gd_losses[-1] < gd_losses[0] / 100 and rs_losses[-1] < rs_losses[0] / 100, (
    "both should decrease the loss"
)
assert evaluations_to(gd_losses, GD_COST) * 3 < evaluations_to(rs_losses, RS_COST), (
    "on a smooth problem, gradient descent should need far fewer evaluations than random search"
)

# %% [markdown]
# ## The price of dimension
#
# A random direction in d dimensions is nearly orthogonal to the gradient, so each probe tells random
# search less the more dimensions there are: the number of evaluations it needs grows with d, roughly in
# proportion once d is well above the number of directions k. A gradient costs the same handful of passes
# in any dimension. (Both use the same settings for every
# d; GD's needs grow only as the problems get worse conditioned.)

# %%
needed = {"gradient descent": [], f"random search (k = {DIRECTIONS})": []}
for dim in dimensions:
    problems = [regression_problem(dim, seed) for seed in seeds]
    for name, method, cost in (("gradient descent", "GD", GD_COST), (list(needed)[1], "RS", RS_COST)):
        counts = []
        for features, targets in problems:
            with tg.no_grad():
                start = mse(tg.zeros(dim, dtype=tg.float64), features, targets).item()
            losses = run(method, features, targets, steps=20_000 // cost, stop_below=1e-3 * start)
            below = np.flatnonzero(losses < 1e-3 * start)
            counts.append(below[0] * cost if below.size else np.nan)
        needed[name].append(np.mean(counts))

print(f"\n{'dimension':>10}" + "".join(f"{name:>28}" for name in needed))
for i, dim in enumerate(dimensions):
    print(f"{dim:10d}" + "".join(f"{needed[name][i]:28.0f}" for name in needed))

# How much more each method needs for the largest d than for the smallest: the title states exactly this.
growth = {name: counts[-1] / counts[0] for name, counts in needed.items()}
rs_name = f"random search (k = {DIRECTIONS})"
fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curves(
    needed,
    x=dimensions,
    ax=ax,
    xlabel="number of weights d",
    ylabel="evaluations of J to reach 0.1% of the start loss",
    logy=True,
    title=(
        f"From d = {dimensions[0]} to {dimensions[-1]}: random search needs {growth[rs_name]:.1f}× the "
        f"evaluations,\ngradient descent {growth['gradient descent']:.1f}×"
    ),
)
ax.set_xscale("log", base=2)
for line in ax.get_lines():
    line.set_marker("o")
save(fig, "cost_vs_dimension")

rs_needed = needed[f"random search (k = {DIRECTIONS})"]
assert np.all(np.isfinite(rs_needed)), "random search should solve every problem within its budget"
assert rs_needed[-1] > 4 * rs_needed[0], "random search's cost should grow with the dimension"
assert all(g < r for g, r in zip(needed["gradient descent"], rs_needed)), "GD should be cheaper at every d"
assert growth[rs_name] > 2 * growth["gradient descent"], f"random search's cost should grow faster: {growth}"

# %% [markdown]
# ## Where the gradient is useless: minimising the number of errors
#
# Now a loss that autograd differentiates without complaint, but whose gradient is worthless: the error
# rate of a linear classifier, written as mean((1 − sign(y·(w·x + b)))/2) with labels y = ±1. It is a
# staircase: moving w a little changes no prediction, so the loss is flat and its gradient is exactly zero
# almost everywhere (`sign`'s derivative). Gradient descent starting from a bad classifier never moves.
# Random search does not care about slopes: it compares losses at finite distances ±σ·δ, which do see the
# steps of the staircase, and walks down them.

# %%
points, classes = tg.data.datasets.blobs(200, centers=2, std=1.5, seed=0)
signs = (classes * 2 - 1).double()  # labels −1 / +1
points = points.double()


def error_rate(w, b):
    """The fraction of misclassified points: piecewise constant in (w, b), so its gradient is zero."""
    margins = signs * (points @ w + b)
    return ((1 - margins.sign()) / 2).mean()


start_w, start_b = [0.2, 1.0], -0.5  # a nearly horizontal boundary: about half the points wrong
runs = {}
for name in ("gradient descent", "random search"):
    w = tg.tensor(start_w, dtype=tg.float64, requires_grad=True)
    b = tg.tensor(start_b, dtype=tg.float64, requires_grad=True)
    if name == "gradient descent":
        opt = optim.GD([w, b], lr=1.0)

        def closure():
            opt.zero_grad()
            loss = error_rate(w, b)
            loss.backward()
            return loss

    else:
        opt = optim.RandomSearch([w, b], lr=0.3, std=0.3, num_directions=DIRECTIONS)

        def closure():
            return error_rate(w, b)

    errors = [opt.step(closure).item() for _ in range(classify_steps)]
    errors.append(error_rate(w, b).item())
    runs[name] = dict(errors=np.array(errors), w=w.detach().numpy(), b=b.item())
    if name == "gradient descent":
        gd_gradients = np.concatenate([w.grad.numpy(), b.grad.numpy().reshape(1)])

for name, result in runs.items():
    errors, w, b = result["errors"], result["w"], result["b"]
    print(f"{name:18} error rate {errors[0]:.3f} → {errors[-1]:.3f}   w = {w.round(3)}, b = {b:.3f}")

fig, axes = viz.subplots(1, 2, figsize=(12, 4.8))
viz.plot_curves(
    {name: result["errors"] for name, result in runs.items()},
    ax=axes[0],
    ylabel="training error rate",
    title="Minimising the error rate (gradient = 0)",
)
host_points, host_classes = points.numpy(), classes.numpy()
for label, marker in ((0, "o"), (1, "^")):
    chosen = host_classes == label
    axes[1].scatter(*host_points[chosen].T, marker=marker, s=14, alpha=0.6, label=f"class {label}")
xs = np.linspace(host_points[:, 0].min(), host_points[:, 0].max(), 2)
for (name, result), style in zip(runs.items(), ("--", "-")):
    w, b = result["w"], result["b"]
    axes[1].plot(xs, -(w[0] * xs + b) / w[1], style, color="black", label=f"{name}: w·x + b = 0")
axes[1].set(xlabel="x₁", ylabel="x₂", ylim=(host_points[:, 1].min() - 1, host_points[:, 1].max() + 1))
axes[1].set_title("The decision boundaries after the last step")
axes[1].legend(fontsize="small", loc="lower left")
save(fig, "error_rate")

gd, rs = runs["gradient descent"], runs["random search"]
assert np.all(gd_gradients == 0), f"the error rate's gradient should be exactly zero, got {gd_gradients}"
assert np.array_equal(gd["w"], start_w) and gd["b"] == start_b, "gradient descent should not move at all"
assert gd["errors"][-1] == gd["errors"][0] > 0.3, "gradient descent keeps its bad error rate"
assert rs["errors"][-1] < 0.15, f"random search should find a good classifier, got {rs['errors'][-1]:.3f}"

# %% [markdown]
# What to take away: a gradient is a bargain — every partial derivative for the price of about three
# evaluations — so when the loss is differentiable, use it. Random search earns its place where the
# gradient is unavailable or meaningless (flat staircases like error counts, black-box simulators), and on
# problems with few parameters; its cost grows with the number of dimensions it has to probe.
