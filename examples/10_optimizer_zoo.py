"""Tutorial 10: The optimizer zoo

Eleven tg.optim optimizers, each at its own tuned learning rate, race from one start down a narrow ravine and
along Rosenbrock's curved valley, showing what momentum and per-coordinate step sizes buy.

Run:  python examples/10_optimizer_zoo.py [--quick]   or   tinygrad-edu lab 10
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import optim, viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("10_optimizer_zoo")  # PNGs go to lab_figures/10_optimizer_zoo/

ravine_steps = 100 if QUICK else 300
rosenbrock_steps = 300 if QUICK else 3000
learning_rates = np.logspace(-4, 1, 11)  # the sweep: 1e-4 … 10, a factor √10 apart
tg.manual_seed(0)

# %% [markdown]
# ## The zoo
#
# Every optimizer below is the library's own class from `tg.optim`, used as in PyTorch: `zero_grad()`,
# `backward()`, `step()`. They differ in how a gradient g becomes a step:
#
# - GD: θ ← θ − η·g. Momentum (the course's form) averages past gradients, V ← βV + (1−β)g, θ ← θ − ηV,
#   so a consistent direction builds up speed and a zig-zag cancels out. NAG (Nesterov, in its look-ahead
#   form) takes its gradient at the look-ahead point θ − βV, which is why it needs `step(closure)`, and
#   *sums* the scaled gradients instead: V ← βV + η∇J(θ − βV), θ ← θ − V. A sum of gradients is
#   1/(1−β) = 10 times their average, so NAG at η moves about as far per step as Momentum at 10η: when the
#   table below has NAG's best η ten times smaller than Momentum's, that is the parametrisation speaking,
#   not Nesterov's method. (PyTorch's `SGD(momentum=β)` sums too: b ← βb + g, θ ← θ − ηb.)
# - Adagrad, Adadelta and RMSprop divide each coordinate's step by the root of its (summed or averaged)
#   squared gradients: steep coordinates get small steps, flat ones large steps.
# - Adam, Adamax, NAdam and AMSGrad combine both ideas: a momentum average of g divided by a running
#   size of g. Rprop goes furthest: it uses only the *sign* of each coordinate's gradient and grows or
#   shrinks a per-coordinate step size.
#
# Each class has its own default learning rate, and they mean different things (a fraction of the
# gradient for GD, roughly a distance per step for Adam and Rprop). So the race is fair only if each
# runs at its own best η: we sweep η over 1e-4 … 10 for every optimizer on every function, and keep the
# η whose run ends lowest (a run whose loss ever climbs above its starting value counts as diverged; among
# runs that all reach 1e-12, the one that got there fastest wins).

# %%
ZOO = {
    "GD": lambda groups: optim.GD(groups, lr=1.0),
    "Momentum": lambda groups: optim.Momentum(groups, lr=1.0, beta=0.9),
    "NAG": lambda groups: optim.NAG(groups, lr=1.0, beta=0.9),
    "Adagrad": lambda groups: optim.Adagrad(groups),
    "Adadelta": lambda groups: optim.Adadelta(groups),
    "RMSprop": lambda groups: optim.RMSprop(groups),
    "Adam": lambda groups: optim.Adam(groups),
    "Adamax": lambda groups: optim.Adamax(groups),
    "NAdam": lambda groups: optim.NAdam(groups),
    "AMSGrad": lambda groups: optim.Adam(groups, amsgrad=True),
    "Rprop": lambda groups: optim.Rprop(groups),
}
# Eleven distinguishable (colour, line style) pairs, the same optimizer in the same style in every figure.
COLORS = [*(f"C{i}" for i in range(10)), "black"]
STYLES = ["-", "--", "-.", ":"]
FLOOR = 1e-12  # losses below this count as solved (float64 rounding lives not far below)


def optimizer_style(i):
    return dict(color=COLORS[i], linestyle=STYLES[i % len(STYLES)])


# %% [markdown]
# ## Running a whole sweep at once
#
# Each η of the sweep is an independent run. Rather than looping over them, we give each run its own
# parameter tensor in its own *parameter group* (a group carries its own `lr`), and minimise the *sum* of
# the runs' losses: the gradient of a sum of independent terms with respect to one run's θ is that run's
# own gradient, and every optimizer keeps its state per parameter, so the runs never interact. One
# `backward()` per step serves all eleven learning rates.


# %%
def sweep(make_optimizer, f, start, steps):
    """Run ``f`` from ``start`` at every learning rate at once.

    Returns the paths, shape (steps + 1, runs, 2), and the losses, shape (steps + 1, runs).
    """
    thetas = [tg.tensor(start, dtype=tg.float64, requires_grad=True) for _ in learning_rates]
    opt = make_optimizer([{"params": [theta], "lr": float(lr)} for theta, lr in zip(thetas, learning_rates)])

    def closure():  # the loss of every run, as a vector; backward through their sum
        opt.zero_grad()
        points = tg.cat(thetas).reshape(-1, 2)  # row k: run k's (x, y)
        losses = f(points[:, 0], points[:, 1])
        losses.sum().backward()
        return losses

    paths = [np.stack([theta.detach().numpy().copy() for theta in thetas])]
    losses = []
    for _ in range(steps):
        losses.append(opt.step(closure).detach().numpy())  # the losses at θ before this step
        paths.append(np.stack([theta.detach().numpy().copy() for theta in thetas]))
        for theta, loss in zip(thetas, losses[-1]):
            if not np.isfinite(loss) or loss > 1e6:  # a run that blew up: freeze it (no grad, no step)
                theta.requires_grad_(False)
    with tg.no_grad():
        points = tg.cat(thetas).reshape(-1, 2)
        losses.append(f(points[:, 0], points[:, 1]).numpy())
    return np.array(paths), np.array(losses)


def diverged(losses):
    """For each run (column of ``losses``): did its loss ever rise above its start, or overflow?"""
    return (np.nan_to_num(losses, nan=np.inf) > losses[0]).any(axis=0)


def best_run(losses):
    """The run that did not diverge and ends lowest (ties below the floor: the one that got there first)."""
    clipped = np.clip(np.nan_to_num(losses, nan=np.inf), FLOOR, None)
    final = np.where(diverged(losses), np.inf, clipped[-1])
    speed = np.log10(clipped).mean(axis=0)  # area under the log-loss curve: lower means faster
    return min(range(losses.shape[1]), key=lambda k: (final[k], speed[k]))


def steps_to_reach(losses, threshold):
    """The first step whose loss is below ``threshold`` (None if never)."""
    below = np.flatnonzero(losses < threshold)
    return int(below[0]) if below.size else None


def race(f, start, steps):
    """Sweep every optimizer on ``f``; keep each one's best run: {name: dict(lr, path, losses, sweep)}."""
    results = {}
    with np.errstate(over="ignore", invalid="ignore"):  # diverging runs overflow on purpose
        for name, make_optimizer in ZOO.items():
            paths, losses = sweep(make_optimizer, f, start, steps)
            k = best_run(losses)
            results[name] = dict(lr=learning_rates[k], path=paths[:, k], losses=losses[:, k], sweep=losses)
    return results


# %% [markdown]
# ## A ravine
#
# f(x, y) = 0.1·x² + 10·y² is a bowl a hundred times steeper across (y) than along (x): its Hessian has
# eigenvalues 20 and 0.2. Gradient descent must keep η below 2/20 = 0.1 or the steep y-direction blows up,
# and even at that limit the flat x-direction shrinks by only 0.2·η = 2% per step: across the ravine it
# zig-zags, along it it crawls. That is the classic picture of an ill-conditioned problem (condition number
# 20/0.2 = 100), and the reason the zoo exists.
#
# Live: `tinygrad-edu playground --preset ravine` races GD, Momentum, RMSprop and Adam on this ravine, with
# a slider for every hyperparameter and a phase map of Momentum's η × β.


# %%
def ravine(x, y):
    """0.1·x² + 10·y²: minimum 0 at the origin, condition number 100."""
    return 0.1 * x**2 + 10 * y**2


ravine_start = [-8.0, 0.8]
ravine_results = race(ravine, ravine_start, ravine_steps)

# %% [markdown]
# Rosenbrock's function f(x, y) = (1 − x)² + 100·(y − x²)² is the standard harder test: a curved, flat-
# bottomed valley along y = x², whose floor falls gently to the minimum 0 at (1, 1). Finding the valley is
# easy; following its bend is not. We start at Rosenbrock's own test point (−1.2, 1).
# (Live: `tinygrad-edu playground --preset rosenbrock`.)


# %%
def rosenbrock(x, y):
    """(1 − x)² + 100·(y − x²)²: minimum 0 at (1, 1), at the end of a curved valley."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


rosenbrock_start = [-1.2, 1.0]
rosenbrock_results = race(rosenbrock, rosenbrock_start, rosenbrock_steps)

# %% [markdown]
# ## The results
#
# The table lists each optimizer's tuned η, its final loss and the first step at which the loss fell below
# 1e-6 ("—": never).

# %%
THRESHOLD = 1e-6
headers = (f"ravine, {ravine_steps} steps", f"Rosenbrock, {rosenbrock_steps} steps")
print(f"{'':10}{headers[0]:^32}{headers[1]:^32}")
print(f"{'optimizer':10}" + f"{'lr':>9} {'final loss':>11} {'<1e-6 at':>10}" * 2)
for name in ZOO:
    row = f"{name:10}"
    for results in (ravine_results, rosenbrock_results):
        run = results[name]
        reached = steps_to_reach(run["losses"], THRESHOLD)
        row += f"{run['lr']:9.2g} {run['losses'][-1]:11.2e} {reached if reached is not None else '—':>10}"
    print(row)

# %% [markdown]
# ## The paths
#
# Every optimizer starts at the circle and ends at its star; those that end at the minimum share the white
# star there. On the ravine, GD at its best η drops into the
# ravine and then crawls along the floor: a larger η would speed up the crawl, but above 2/20 = 0.1 the
# steep y-direction zig-zags with growing amplitude (see the sweep below). Momentum and NAG overshoot across
# the ravine but carry their speed along it. The per-coordinate methods head for the floor and then along
# it, because they scale the steep and the flat coordinate separately. (That advantage is partly a gift of
# the ravine lying along the axes: rotate it by 45° and the per-coordinate scaling sees two equally steep
# coordinates.) The vertical yellow line is NAdam being kicked across the ravine near the minimum: dividing
# a tiny gradient by its own running size still gives a step of about η, and the loss spikes before it
# settles again (the same happens to RMSprop; look for the spikes in the loss curves).


# %%
def draw_race(ax, f, results, x_range, y_range, title, minimum):
    """Contours of ``f`` (log-spaced levels) with every optimizer's path: start ○, end ★.

    Paths that end at the minimum (within 1% of the plot's width) share one white star there, named in
    the legend, instead of a pile of coloured stars on top of each other.
    """
    viz.plot_contour(f, x_range, y_range, ax=ax, n=150, levels=25, log_levels=True, title=title)
    radius = 0.01 * (x_range[1] - x_range[0])
    at_minimum = [name for name, run in results.items() if np.hypot(*(run["path"][-1] - minimum)) < radius]
    for i, (name, run) in enumerate(results.items()):
        path, look = run["path"], optimizer_style(i)
        ax.plot(path[:, 0], path[:, 1], linewidth=1.4, label=f"{name} (η = {run['lr']:.2g})", **look)
        ax.plot(*path[0], "o", color="white", markeredgecolor="black", markersize=8)
        if name not in at_minimum:
            ax.plot(*path[-1], "*", color=look["color"], markeredgecolor="black", markersize=13)
    if at_minimum:
        label = f"ended at the minimum: {len(at_minimum)} of {len(results)}"
        ax.plot(*minimum, "*", color="white", markeredgecolor="black", markersize=16, label=label, zorder=5)
    ax.set(xlim=x_range, ylim=y_range)
    return at_minimum


fig, ax = viz.subplots(figsize=(10, 6.5))
title = f"The ravine f = 0.1x² + 10y²: {ravine_steps} steps from (−8, 0.8)"
at_minimum = draw_race(ax, ravine, ravine_results, (-9, 5), (-1.4, 1.4), title, np.array([0.0, 0.0]))
print("ended at the ravine's minimum (0, 0):", ", ".join(at_minimum) or "none")
fig.legend(fontsize="small", loc="outside lower center", ncols=4)
save(fig, "ravine_paths")

# %% [markdown]
# On Rosenbrock all paths first drop into the valley and then crawl along its floor, so they overlap; the
# right panel zooms in on the minimum to show where each one stands after the last step.

# %%
fig, axes = viz.subplots(1, 2, figsize=(14, 6.5), width_ratios=[1.4, 1])
title = f"Rosenbrock's valley: {rosenbrock_steps} steps from (−1.2, 1)"
one_one = np.array([1.0, 1.0])
draw_race(axes[0], rosenbrock, rosenbrock_results, (-2, 2), (-1, 3), title, one_one)
draw_race(
    axes[1], rosenbrock, rosenbrock_results, (0.0, 1.2), (-0.1, 1.3), "Zoom: the minimum (1, 1)", one_one
)
fig.legend(*axes[0].get_legend_handles_labels(), fontsize="small", loc="outside lower center", ncols=6)
save(fig, "rosenbrock_paths")

# %% [markdown]
# ## Loss against step
#
# On a log scale the lessons are clearer. On the ravine, GD's loss falls by a constant factor per step,
# slowly (the flat direction sets its pace), and Adadelta is slower still (its steps start tiny and grow
# only as fast as its own running averages let them); every other method is faster by orders of
# magnitude, and Rprop, which only needs the signs, is done first. On Rosenbrock the order changes:
# Adagrad's steps shrink for good as its sum of squared gradients grows, RMSprop and Adadelta crawl along the
# valley floor, and Momentum, AMSGrad and Adam are the ones that follow the valley down to the minimum.

# %%
fig, axes = viz.subplots(1, 2, figsize=(13, 5))
for ax, results, title in zip(axes, (ravine_results, rosenbrock_results), ("the ravine", "Rosenbrock")):
    for i, (name, run) in enumerate(results.items()):
        losses = np.asarray(run["losses"])
        solved = np.flatnonzero(losses <= FLOOR)
        shown = losses[: solved[0] + 1] if solved.size else losses  # stop where the floor is reached
        ax.plot(np.clip(shown, FLOOR, None), label=name, linewidth=1.3, **optimizer_style(i))
        if solved.size:
            ax.plot(solved[0], FLOOR, "v", color=optimizer_style(i)["color"], markeredgecolor="black")
    ax.set(yscale="log", ylim=(FLOOR / 3, None), xlabel="step", ylabel="loss (▼: reached 1e-12 and stopped)")
    ax.set_title(f"Loss against step on {title}")
axes[1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
save(fig, "loss_vs_step")

# %% [markdown]
# ## How the sweep chose
#
# The final loss of every run in the sweep, against η. GD, Momentum and NAG multiply the gradient by η, so
# each has a sharp edge beyond which it diverges (the missing points) — for GD on the ravine exactly
# 2/λ_max = 0.1 — and its best η sits just below that edge. The adaptive methods survive much larger η
# (their step per coordinate is about η whatever the size of the gradient), but their final loss still
# depends on η by orders of magnitude. Rprop barely cares: η is only its *first* step size, after which
# every coordinate adapts its own. Adadelta's best η on the ravine is the largest we tried: its first steps
# are only √(ε/(1−ρ)) ≈ 0.003 long and grow slowly, so it wants a large multiplier.

# %%
fig, axes = viz.subplots(1, 2, figsize=(13, 5))
for ax, results, title in zip(axes, (ravine_results, rosenbrock_results), ("the ravine", "Rosenbrock")):
    for i, (name, run) in enumerate(results.items()):
        final = np.where(diverged(run["sweep"]), np.nan, np.clip(run["sweep"][-1], FLOOR, None))
        ax.plot(learning_rates, final, marker="o", markersize=3, label=name, **optimizer_style(i))
    ax.set(xscale="log", yscale="log", xlabel="learning rate η", ylabel="final loss (clipped at 1e-12)")
    ax.set_title(f"The sweep on {title}: final loss against η (gaps: diverged)")
axes[1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
save(fig, "lr_sweep")

# %% [markdown]
# ## The lessons, checked

# %%
for name, results in (("ravine", ravine_results), ("Rosenbrock", rosenbrock_results)):
    for optimizer, run in results.items():
        assert run["losses"][-1] < run["losses"][0] / 2, f"{optimizer} should decrease the loss on the {name}"

final = {name: run["losses"][-1] for name, run in ravine_results.items()}
for fast in ("Momentum", "Adam", "RMSprop", "Rprop"):
    assert final[fast] < final["GD"] / 100, f"on the ravine {fast} should beat GD by far: {final}"

gd_diverged = diverged(ravine_results["GD"]["sweep"])
too_large = learning_rates > 1.1 * 2 / 20  # beyond 2/λ_max the steep direction grows at every step
assert ravine_results["GD"]["lr"] < 2 / 20, "GD's best lr on the ravine must respect 2/λ_max = 0.1"
assert gd_diverged[too_large].all() and not gd_diverged[~too_large].any(), (
    f"GD must diverge on the ravine exactly above 2/λ_max: {dict(zip(learning_rates, gd_diverged))}"
)

rosen = {name: run["losses"][-1] for name, run in rosenbrock_results.items()}
assert rosen["Momentum"] < rosen["GD"] / 100, f"on Rosenbrock Momentum should beat GD by far: {rosen}"
assert rosen["Adam"] < rosen["GD"] / 10, f"on Rosenbrock Adam should beat GD: {rosen}"

# %% [markdown]
# What to take away: no optimizer is best everywhere, and comparing them at one shared learning rate says
# more about the learning rate than about the optimizer. Momentum fixes the zig-zag of an ill-conditioned
# problem by averaging it away; per-coordinate scaling fixes it by giving each coordinate its own step,
# which works best when the problem's steep and flat directions line up with the coordinates (as they often
# roughly do for a network's weights). Adam does both, which is why it is the default people reach for.
# To see Adam against SGD on Beale's plateaus and walls, run `tinygrad-edu playground --preset adam_vs_sgd`.
