"""Tutorial 2: Gradient descent in 2-D

On the "peaks" surface, descent from different starts ends in different valleys, and gradient ascent — by
negating the gradient or by negating the function, which give the very same steps — climbs to the peaks.

Run:  python examples/02_gradient_descent_2d.py [--quick]   or   tinygrad-edu lab 02
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.data.datasets import peaks

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("02_gradient_descent_2d")  # PNGs go to lab_figures/02_gradient_descent_2d/

steps = 100 if QUICK else 300
lr = 0.02  # small against 2 / (the largest curvature at peaks' hills and valleys, about 32) = 0.06

# %% [markdown]
# ## The surface
#
# MATLAB's "peaks" function z = f(x, y) has three hills and three valleys in the square [−3, 3]², and a
# flat plain around them. `tg.data.datasets.peaks(x, y)` is built from Tensor ops, so autograd gives its
# gradient ∇f = (∂f/∂x, ∂f/∂y). In 2-D the update rule is the same as in 1-D, applied to the vector of
# coordinates p = (x, y):  p ← p − η·∇f(p).
#
# We run all starts at once: `p` holds one row (x, y) per start, and `f(p).sum().backward()` gives every
# row its own gradient, because a start's coordinates only touch its own term of the sum (tutorial 3
# explains this trick).


# %%
def f(x, y):
    """The peaks surface (three hills, three valleys)."""
    return peaks(x, y)


def neg_f(x, y):
    """−f: its valleys are f's hills."""
    return -peaks(x, y)


def run(func, starts, lr, steps, ascend=False):
    """Gradient descent (or, with ``ascend``, ascent p ← p + η·∇func) from each row of ``starts``.

    Returns the paths, shape (steps + 1, number of starts, 2).
    """
    p = tg.tensor(starts, dtype=tg.float64, requires_grad=True)
    paths = [p.detach().numpy().copy()]  # a copy: the update below changes p in place
    for _ in range(steps):
        func(p[:, 0], p[:, 1]).sum().backward()
        with tg.no_grad():
            if ascend:
                p += lr * p.grad
            else:
                p -= lr * p.grad
        p.grad = None
        paths.append(p.detach().numpy().copy())
    return np.stack(paths)


def value(func, point):
    """func at one (x, y) point, as a float."""
    return func(tg.tensor(point[0]), tg.tensor(point[1])).item()


def gradient_norm(func, point):
    """|∇func| at one (x, y) point, from autograd."""
    p = tg.tensor(point, dtype=tg.float64, requires_grad=True)
    func(p[0], p[1]).backward()
    return float(np.linalg.norm(p.grad.numpy()))


def hessian_eigenvalues(func, point):
    """The eigenvalues of func's Hessian at ``point``: all negative at a local maximum (tutorial 16)."""
    hessian = tg.autograd.functional.hessian(lambda p: func(p[0], p[1]), tg.tensor(point, dtype=tg.float64))
    return np.linalg.eigvalsh(hessian.numpy())


starts = np.array([(x, y) for y in (-1.2, 0.0, 1.2) for x in (-1.2, 0.0, 1.2)])  # a 3×3 grid of starts

# %% [markdown]
# ## Descent: each start finds the valley it starts above
#
# Nine starts on a 3×3 grid walk downhill, across the contour lines, until the slope vanishes. Which valley
# a start reaches depends on where it starts: the global minimum (f ≈ −6.55) is just one of three. The
# start at (1.2, 1.2) sits on the outer slope of the tallest hill and slides off into the flat plain, where
# the gradient fades away and no minimum is ever reached; the start at (−1.2, −1.2) crawls along the edge
# of that plain for a hundred steps before it finds the deep valley.

# %%
descent = run(f, starts, lr, steps)
ends = descent[-1]
print(f"{'start':>16} {'f(start)':>9} {'end':>17} {'f(end)':>8} {'|∇f(end)|':>10}")
for start, end in zip(starts, ends):
    print(
        f"({start[0]:+.2f}, {start[1]:+.2f})   {value(f, start):9.3f}   ({end[0]:+.3f}, {end[1]:+.3f})"
        f" {value(f, end):8.3f} {gradient_norm(f, end):10.1e}"
    )

assert all(value(f, end) < value(f, start) for start, end in zip(starts, ends)), "descent must go downhill"
minima = [end for end in ends if gradient_norm(f, end) < 1e-3 and min(hessian_eigenvalues(f, end)) > 0]
distinct = {tuple(np.round(end, 2)) for end in minima}
assert len(distinct) >= 2, f"the starts should end in at least two different minima, got {distinct}"

# %%
fig, ax = viz.subplots(figsize=(7.5, 7.5))
viz.plot_contour(
    f,
    (-3, 3),
    (-3, 3),
    ax=ax,
    trajectories={f"start ({s[0]:+.1f}, {s[1]:+.1f})": descent[:, i] for i, s in enumerate(starts)},
    title=f"Gradient descent on peaks, η = {lr}: {len(distinct)} different minima reached",
)
ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3)
ax.set_aspect("equal")
save(fig, "descent_contour")

# %% [markdown]
# ## Ascent, two ways
#
# To climb instead of descend there are two equivalent recipes:
#
# 1. keep f and flip the sign of the step:  p ← p + η·∇f(p)  (gradient ascent);
# 2. keep the descent rule and flip the function:  p ← p − η·∇(−f)(p)  — the valleys of −f are the hills of f.
#
# Autograd's ∇(−f) is exactly −∇f (negation is exact in floating point), so the two recipes produce the
# same numbers, step for step — not merely close ones. The library's optimizers offer the first recipe as a
# switch: `tg.optim.SGD(params, lr, maximize=True)`, checked here as a third way.

# %%
ascent = run(f, starts, lr, steps, ascend=True)
descent_on_neg_f = run(neg_f, starts, lr, steps)

p = tg.tensor(starts, dtype=tg.float64, requires_grad=True)
optimizer = tg.optim.SGD([p], lr=lr, maximize=True)
maximize_path = [p.detach().numpy().copy()]
for _ in range(steps):
    optimizer.zero_grad()
    f(p[:, 0], p[:, 1]).sum().backward()
    optimizer.step()
    maximize_path.append(p.detach().numpy().copy())

gap = np.abs(ascent - descent_on_neg_f).max()
print(f"\nlargest difference between the two ascents over all steps: {gap}")
assert np.allclose(ascent, descent_on_neg_f, rtol=0, atol=1e-12), "ascent on f must equal descent on −f"
assert np.allclose(ascent, np.stack(maximize_path), rtol=0, atol=1e-12), "SGD(maximize=True) is ascent too"

print(f"{'start':>16} {'f(start)':>9} {'end':>17} {'f(end)':>8} {'|∇f(end)|':>10} {'eigenvalues of H':>18}")
for start, end in zip(starts, ascent[-1]):
    eigenvalues = hessian_eigenvalues(f, end)
    print(
        f"({start[0]:+.2f}, {start[1]:+.2f})   {value(f, start):9.3f}   ({end[0]:+.3f}, {end[1]:+.3f})"
        f" {value(f, end):8.3f} {gradient_norm(f, end):10.1e}   {np.array2string(eigenvalues, precision=1)}"
    )
    assert value(f, end) > value(f, start), "ascent must go uphill"
    assert gradient_norm(f, end) < 1e-3, f"ascent from {start} should stop where ∇f ≈ 0"
    assert max(eigenvalues) < 0, f"ascent from {start} should end at a local maximum (a curved-down Hessian)"

# %% [markdown]
# In the figure, the left panel shows the ascent on f's contours; the right panel the descent on −f's
# contours (the colours flip: f's hills are −f's valleys). The paths are the same, stroke for stroke.

# %%
fig, axes = viz.subplots(1, 2, figsize=(12, 6))
labels = [f"start ({s[0]:+.1f}, {s[1]:+.1f})" for s in starts]
viz.plot_contour(
    f,
    (-3, 3),
    (-3, 3),
    ax=axes[0],
    trajectories=dict(zip(labels, ascent.transpose(1, 0, 2))),
    title="Gradient ascent on f:  p ← p + η·∇f",
)
viz.plot_contour(
    neg_f,
    (-3, 3),
    (-3, 3),
    ax=axes[1],
    trajectories=dict(zip(labels, descent_on_neg_f.transpose(1, 0, 2))),
    title="Gradient descent on −f:  p ← p − η·∇(−f)",
)
for ax in axes:
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3)
fig.axes[-1].set_ylabel("−f(x, y)")  # the right panel's colour bar shows −f
save(fig, "ascent_two_ways")

# %% [markdown]
# ## The same descent in 3-D
#
# A second view of the descent: the surface itself, with each path drawn on it. The paths run down the
# slopes into the valleys; the contour plot above is this picture seen from straight above.

# %%
X, Y, Z = tg.data.datasets.peaks_grid(n=60 if QUICK else 120, lim=3)
fig, ax = viz.subplots(figsize=(8, 6.5), subplot_kw={"projection": "3d"})
ax.plot_surface(X, Y, Z, cmap="viridis", alpha=0.5, linewidth=0, antialiased=True)
for i in range(len(starts)):
    path = descent[:, i]
    heights = f(tg.tensor(path[:, 0]), tg.tensor(path[:, 1])).numpy()
    color, _ = viz.style(i)
    label = f"start ({starts[i][0]:+.1f}, {starts[i][1]:+.1f})"
    ax.plot(path[:, 0], path[:, 1], heights + 0.05, color=color, linewidth=2, zorder=10, label=label)
    ax.scatter(path[0, 0], path[0, 1], heights[0] + 0.05, color=color, edgecolor="black", s=30, zorder=11)
    ax.scatter(path[-1, 0], path[-1, 1], heights[-1] + 0.05, color=color, marker="*", s=120, zorder=11)
ax.set(xlabel="x", ylabel="y", zlabel="f(x, y)", title="Descent paths on the peaks surface (● start, ★ end)")
ax.view_init(elev=35, azim=-60)
ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.01), ncols=3)  # below: hides nothing
save(fig, "descent_surface_3d")

# %% [markdown]
# What to take away: in 2-D, the gradient points straight uphill, across the contour lines; stepping
# against it finds *a* valley, not *the* valley. Ascent is descent on the negated function, bit for bit.
