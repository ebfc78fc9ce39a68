"""Tutorial 1: Gradient descent in 1-D

Gradient descent walks downhill along the derivative that autograd computes, finding the one minimum of a
parabola but a start-dependent local minimum of a bumpy curve, and standing still wherever the slope is zero.

Run:  python examples/01_gradient_descent_1d.py [--quick]   or   tinygrad-edu lab 01
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("01_gradient_descent_1d")  # PNGs go to lab_figures/01_gradient_descent_1d/

steps = 100 if QUICK else 300
tg.manual_seed(0)

# %% [markdown]
# ## The update rule
#
# Gradient descent repeats one line: x ← x − η·f'(x). The derivative f'(x) says which way is uphill and how
# steep it is; stepping against it, scaled by the learning rate η, goes downhill.
#
# We never write f'(x) by hand: make x a tensor with `requires_grad=True`, compute f(x), call
# `f(x).backward()`, and read the slope from `x.grad`. Our first function is the course's parabola
# f(x) = 3x² − 3x + 4. Just this once, we compare autograd with the derivative from the textbook,
# f'(x) = 6x − 3.


# %%
def f(x):
    """The course's parabola 3x² − 3x + 4: one minimum, at x = 0.5."""
    return 3 * x**2 - 3 * x + 4


x = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
f(x).backward()
print(f"f(2) = {f(x).item():.1f}   f'(2) from autograd = {x.grad.item():.1f}   by hand 6·2 − 3 = {6 * 2 - 3}")
assert x.grad.item() == 6 * 2.0 - 3, "autograd's derivative of the parabola should be 6x − 3"

# %% [markdown]
# One step of gradient descent is then three lines: backward, update, reset. The update runs under
# `tg.no_grad()` because it is bookkeeping, not part of the function we differentiate; `x.grad` is reset to
# None because gradients add up from one `backward()` to the next.


# %%
def gradient_descent(func, start, lr, steps):
    """Run x ← x − η·func'(x) from ``start`` for ``steps`` steps; return every x visited (start included)."""
    x = tg.tensor(start, dtype=tg.float64, requires_grad=True)
    path = [x.item()]
    for _ in range(steps):
        func(x).backward()  # x.grad = func'(x)
        with tg.no_grad():
            x -= lr * x.grad
        x.grad = None
        path.append(x.item())
    return np.array(path)


# %% [markdown]
# ## One minimum: every start finds it
#
# The parabola has a single minimum, at x = 0.5 (where f'(x) = 6x − 3 = 0). Starts drawn at random in
# [−2, 2] all walk down to it. In the figure, each start is a circle, each step a dot on the curve, the
# end a star: the steps shrink as the slope flattens near the bottom.

# %%
starts = (tg.rand(5, dtype=tg.float64) * 4 - 2).tolist()  # random starts in [−2, 2]
f_paths = [gradient_descent(f, start, lr=0.05, steps=steps) for start in starts]
f_ends = np.array([path[-1] for path in f_paths])
print("parabola: starts", np.round(starts, 3), "→ ends", np.round(f_ends, 6))
assert np.all(np.abs(f_ends - 0.5) < 1e-4), f"every start should end at the minimum x = 0.5, got {f_ends}"

# %% [markdown]
# ## Several minima: where you end depends on where you start
#
# g(x) = x⁶ − 5x⁴ + 4x² has three valleys: at x ≈ −1.69, at x = 0 and at x ≈ +1.69, separated by two hills
# at x ≈ ±0.68. Gradient descent only sees the local slope, so each start rolls into the valley it starts
# in: the end point is a local minimum, and which one depends on the start. Only the two outer valleys
# are the lowest points (g ≈ −6.07); a start between the hills ends at x = 0, with g = 0.


# %%
def g(x):
    """x⁶ − 5x⁴ + 4x²: local minima at 0 and ±1.69, local maxima at ±0.68."""
    return x**6 - 5 * x**4 + 4 * x**2


def slope(func, at):
    """func'(at) from autograd."""
    x = tg.tensor(at, dtype=tg.float64, requires_grad=True)
    func(x).backward()
    return x.grad.item()


starts = (tg.rand(7, dtype=tg.float64) * 4 - 2).tolist()
g_paths = [gradient_descent(g, start, lr=0.01, steps=steps) for start in starts]
g_ends = np.array([path[-1] for path in g_paths])

print(f"\n{'start':>8} {'end':>9} {'g(end)':>9} {'g′(end)':>10}")
for start, end in zip(starts, g_ends):
    print(f"{start:8.3f} {end:9.4f} {g(end):9.4f} {slope(g, end):10.2e}")

assert all(abs(slope(g, end)) < 0.05 for end in g_ends), "every start should settle where g′ ≈ 0"
assert np.ptp(g_ends) > 1.0, f"the starts should end in at least two different minima, got {g_ends}"

# %%
fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curve(
    g,
    (-2.1, 2.1),
    ax=ax,
    trajectories=g_paths,
    labels=[f"start {start:+.2f}" for start in starts],
    title="Gradient descent on g(x) = x⁶ − 5x⁴ + 4x²: the start picks the valley",
    ylabel="g(x)",
)
ax.set_ylim(-7.5, 8)
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot, hiding nothing
save(fig, "g_trajectories")

fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curve(
    f,
    (-2.1, 2.1),
    ax=ax,
    trajectories=f_paths,
    labels=[f"start {path[0]:+.2f}" for path in f_paths],
    title="Gradient descent on f(x) = 3x² − 3x + 4: one minimum, at x = 0.5",
)
ax.axvline(0.5, color="0.5", linestyle=":", linewidth=1)
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "f_trajectories")

# %% [markdown]
# The same runs as x against the step: the paths settle on three levels, one per valley. Near the outer
# valleys (steep walls, g'' ≈ 83) they settle in a few steps; the middle valley is shallow (g''(0) = 8), so
# the steps there shrink slowly.

# %%
fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curves(
    {f"start {start:+.2f}": path[:81] for start, path in zip(starts, g_paths)},
    ax=ax,
    ylabel="x",
    title="x against step on g (first 80 steps): three end points, one per valley",
)
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "g_x_vs_step")

# %% [markdown]
# ## Where the slope is zero, gradient descent stands still
#
# At x = 0, g'(0) = 0, so the update x ← x − η·0 never moves that start: it stays exactly at 0. For g that
# is harmless — autograd's second derivative g''(0) = 8 > 0 says x = 0 is a (local) minimum.
#
# The trap is a zero slope at a local *maximum*. The course's other bumpy curve, h(x) = cos(2πx) + x², has
# h'(0) = 0 too, but h''(0) = 2 − 4π² < 0: x = 0 is a hilltop. A start exactly there never moves, stuck on
# the top of the hill; a start only 0.01 away rolls off into a valley. In exact arithmetic the hilltop is an
# equilibrium, but an unstable one: the smallest push grows at every step.


# %%
def h(x):
    """cos(2πx) + x²: a local maximum at x = 0, with a valley on each side at x ≈ ±0.48."""
    return tg.cos(2 * np.pi * x) + x**2


def second_derivative(func, at):
    """func''(at) from autograd (the 1×1 Hessian)."""
    return tg.autograd.functional.hessian(func, tg.tensor(at, dtype=tg.float64)).item()


g2, h2 = second_derivative(g, 0.0), second_derivative(h, 0.0)
print(f"\ng''(0) = {g2:.2f} (a minimum)   h''(0) = {h2:.2f} (a maximum)")
stuck_on_g = gradient_descent(g, 0.0, lr=0.01, steps=steps)
stuck_on_h = gradient_descent(h, 0.0, lr=0.01, steps=steps)
pushed = {push: gradient_descent(h, push, lr=0.01, steps=steps) for push in (0.01, -0.01)}
print(f"h: start 0 ends at {stuck_on_h[-1]}; start 0.01 ends at {pushed[0.01][-1]:.4f}")

assert np.all(stuck_on_g == 0.0), "the start x = 0 on g must never move (g'(0) = 0)"
assert np.all(stuck_on_h == 0.0), "the start x = 0 on h must never move (h'(0) = 0)"
assert h2 < 0 < g2, "x = 0 is h's maximum and g's minimum"
assert all(abs(path[-1]) > 0.3 for path in pushed.values()), "a start 0.01 off the hilltop must roll away"

# %%
fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curve(
    h,
    (-1.2, 1.2),
    ax=ax,
    trajectories=[pushed[0.01], pushed[-0.01], stuck_on_h],  # the stuck start last, drawn on top
    labels=["start +0.01: rolls right", "start −0.01: rolls left", "start 0 (h' = 0): never moves"],
    title="h(x) = cos(2πx) + x²: stuck on the hilltop at x = 0",
    ylabel="h(x)",
)
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_ylim(-0.9, 2.6)
ax.annotate(
    f"start 0: still at x = 0\nafter {steps} steps",
    xy=(0, 1),
    xytext=(0.25, 1.6),
    arrowprops=dict(arrowstyle="->"),
    fontsize="small",
)
save(fig, "h_stuck_at_maximum")

# %% [markdown]
# What to take away: gradient descent follows the local slope and nothing else. On a bowl that is enough;
# on a bumpy curve the start decides the valley, and any point with zero slope — a minimum, a maximum, or
# (in more dimensions) a saddle, see tutorial 16 — is a place where it stops.
