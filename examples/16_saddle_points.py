"""Tutorial 16: Saddle points

Gradient descent stalls at a saddle point when it starts exactly on the saddle's stable line and escapes
after a plateau from a tiny perturbation, and the Hessian's eigenvalues tell minima, maxima and saddles apart.

Run:  python examples/16_saddle_points.py [--quick]   or   tinygrad-edu lab 16
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("16_saddle_points")  # PNGs go to lab_figures/16_saddle_points/

steps = 150 if QUICK else 300
search_steps = 300 if QUICK else 1000

# %% [markdown]
# ## A landscape with every kind of critical point
#
# f(x, y) = x³ − 3x + y³ − 3y is a sum of two copies of the cubic t³ − 3t, whose slope 3t² − 3 vanishes at
# t = ±1. So ∇f = 0 at the four points (±1, ±1): a minimum at (1, 1), a maximum at (−1, −1), and two
# saddles, (1, −1) and (−1, 1), that curve up along one axis and down along the other. Near a saddle
# the gradient is small in every direction, so gradient descent slows to a crawl there — and if it
# approaches along the one line that leads *into* the saddle, it never leaves.


# %%
def f(x, y):
    """x³ − 3x + y³ − 3y: a minimum at (1, 1), a maximum at (−1, −1), saddles at (1, −1) and (−1, 1)."""
    return x**3 - 3 * x + y**3 - 3 * y


def f_of(p):
    """f of a point tensor p = (x, y) (or of a batch of points, one per row)."""
    return f(p[..., 0], p[..., 1])


def gradient_descent(func, starts, lr, steps):
    """Gradient descent from each row of ``starts`` at once; returns paths, shape (steps + 1, starts, 2)."""
    p = tg.tensor(starts, dtype=tg.float64, requires_grad=True)
    paths = [p.detach().numpy().copy()]  # a copy: the update changes p in place
    for _ in range(steps):
        func(p).sum().backward()  # each row only touches its own term: its own gradient
        with tg.no_grad():
            p -= lr * p.grad
        p.grad = None
        paths.append(p.detach().numpy().copy())
    return np.stack(paths)


def values(func, points):
    """func at each of ``points`` (..., 2), as a NumPy array."""
    return func(tg.tensor(points, dtype=tg.float64)).numpy()


# %% [markdown]
# ## Stalling on the stable line, escaping from a perturbation
#
# The saddle (1, −1) attracts along x (f curves up: a valley across x) and repels along y (f curves down).
# A start at (2, −1) lies exactly on the line y = −1 that leads into the saddle: there ∂f/∂y = 3y² − 3 is
# exactly 0, so y never changes, and x slides to 1. Gradient descent stops at the saddle and stays there
# for good — it looks converged, but it is not at a minimum.
#
# Move the start by ε in y and the picture changes: the small offset grows by a factor (1 + 6η) per step
# once x has reached the saddle, and after a while the path slides off towards the minimum (1, 1). The time
# spent near the saddle is the *plateau* of the loss curve: the loss stops falling, as if training were
# done, then drops again. A smaller ε only makes the plateau longer — about log(1/ε)/log(1 + 6η) steps.
# (Live, on x² − y²: `tinygrad-edu playground --preset saddle_escape`; set the start's y to 0 and GD stays.)

# %%
lr = 0.05
epsilons = [1e-2, 1e-5, 1e-8]
starts = np.array([[2.0, -1.0]] + [[2.0, -1.0 + eps] for eps in epsilons])
labels = ["start (2, −1): exactly on the stable line"] + [f"start (2, −1 + {eps:g})" for eps in epsilons]
paths = gradient_descent(f_of, starts, lr, steps)
losses = values(f_of, paths)  # (steps + 1, starts)

stuck, escapes = paths[:, 0], paths[:, 1:]
print(f"stuck start ends at ({stuck[-1, 0]:.6f}, {stuck[-1, 1]:.6f}), f = {losses[-1, 0]:.6f}")
assert np.all(stuck[:, 1] == -1.0), "the start on the stable line must keep y = −1 exactly, step after step"
assert np.allclose(stuck[-1], [1, -1], atol=1e-6), "it must stall at the saddle (1, −1)"
assert np.all(np.abs(escapes[-1] - [1, 1]) < 1e-2), "every perturbed start must escape to the minimum (1, 1)"


def plateau_length(loss, level=0.0, width=0.1):
    """How many steps the loss spends within ``width`` of ``level`` (the saddle's f = 0)."""
    return int(np.sum(np.abs(loss - level) < width))


plateaus = [plateau_length(losses[:, i + 1]) for i in range(len(epsilons))]
print(f"{'ε':>8} {'steps on the plateau':>22} {'final f':>9}")
for eps, plateau, loss in zip(epsilons, plateaus, losses[-1, 1:]):
    print(f"{eps:8g} {plateau:22d} {loss:9.4f}")
assert plateaus == sorted(plateaus) and plateaus[-1] > plateaus[0] + 20, "smaller ε, longer plateau"

# %% [markdown]
# ## Finding and classifying the critical points
#
# Where is ∇f = 0? Gradient descent on q(p) = |∇f(p)|² finds out: q ≥ 0 everywhere and q = 0 exactly at
# critical points — minima, maxima and saddles alike. The gradient of q needs second derivatives of f,
# which autograd provides: compute ∇f with `create_graph=True`, so that the gradient itself is recorded
# and can be differentiated again.
#
# Then the Hessian H (the matrix of second derivatives, from `tg.autograd.functional.hessian`) tells the
# kinds apart by its eigenvalues — the curvatures along its principal directions:
# all positive = a minimum (curves up every way), all negative = a maximum, mixed signs = a saddle.


# %%
def gradient_norm_squared(p):
    """q(p) = |∇f(p)|² for each row of p; zero exactly at the critical points of f."""
    (gradient,) = tg.autograd.grad(f_of(p).sum(), p, create_graph=True)
    return (gradient**2).sum(dim=-1)


def classify(eigenvalues, tolerance=1e-8):
    """The kind of a critical point from its Hessian's eigenvalues."""
    if np.all(eigenvalues > tolerance):
        return "minimum"
    if np.all(eigenvalues < -tolerance):
        return "maximum"
    if eigenvalues.min() < -tolerance and eigenvalues.max() > tolerance:
        return "saddle"
    return "degenerate"  # a zero eigenvalue: second derivatives cannot decide


search_starts = np.array([(x, y) for x in (-1.6, -0.5, 0.5, 1.6) for y in (-1.6, -0.5, 0.5, 1.6)])
found = gradient_descent(gradient_norm_squared, search_starts, lr=0.005, steps=search_steps)[-1]
critical_points = np.unique(found.round(6), axis=0)

print(f"\n{'point':>18} {'f':>7} {'Hessian eigenvalues':>22} {'kind':>9}")
kinds = {}
for point in critical_points:
    hessian = tg.autograd.functional.hessian(f_of, tg.tensor(point, dtype=tg.float64))
    eigenvalues = np.linalg.eigvalsh(hessian.numpy())
    kinds[tuple(point)] = classify(eigenvalues)
    print(
        f"({point[0]:+.4f}, {point[1]:+.4f}) {values(f_of, point):7.3f}"
        f"   [{eigenvalues[0]:+6.2f}, {eigenvalues[1]:+6.2f}]   {kinds[tuple(point)]:>9}"
    )

known = {(1.0, 1.0): "minimum", (-1.0, -1.0): "maximum", (1.0, -1.0): "saddle", (-1.0, 1.0): "saddle"}
assert len(critical_points) == 4, f"the search should find the 4 critical points, got {critical_points}"
assert set(kinds) == set(known), f"the critical points should be (±1, ±1), got {sorted(kinds)}"
assert kinds == known, f"classification by Hessian eigenvalues should match the known answer, got {kinds}"

# %% [markdown]
# ## Pictures
#
# The contour plot marks the critical points by kind and shows descents towards both saddles: from (2, −1)
# along the stable line y = −1 of the saddle (1, −1), and from (−1, 2) along the stable line x = −1 of the
# saddle (−1, 1). Started exactly on those lines, descent stops at the saddle (the star on the red cross);
# pushed off by 10⁻⁵, it pauses there, then turns towards the minimum (1, 1). (The landscape falls away
# without bound to the south-west; descent from the wrong side of the saddles would run off that way.)
# The loss curve below shows the plateaus at the saddle's f = 0.

# %%
mirror = gradient_descent(f_of, [[-1.0, 2.0], [-1.0 + 1e-5, 2.0]], lr, steps)
assert np.all(mirror[:, 0, 0] == -1.0) and np.allclose(mirror[-1, 0], [-1, 1], atol=1e-6), "stall at (−1, 1)"
assert np.all(np.abs(mirror[-1, 1] - [1, 1]) < 1e-2), "pushed off by 1e-5, it must reach the minimum (1, 1)"

shown = {
    "start (2, −1): stalls": paths[:, 0],
    "start (−1, 2): stalls": mirror[:, 0],
    "start (2, −1 + 10⁻⁵): escapes": paths[:, 2],
    "start (−1 + 10⁻⁵, 2): escapes": mirror[:, 1],
}
fig, ax = viz.subplots(figsize=(7.5, 6.2))
viz.plot_contour(
    f,
    (-2.2, 2.4),
    (-2.2, 2.4),
    ax=ax,
    trajectories=dict(reversed(shown.items())),  # the stalling paths last, drawn on top
    levels=40,
    title="Saddles of f = x³ − 3x + y³ − 3y: stall on the stable line, escape when pushed",
)
markers = {"minimum": ("v", "white"), "maximum": ("^", "black"), "saddle": ("X", "red")}
for kind, (marker, color) in markers.items():
    points = np.array([point for point, k in kinds.items() if k == kind])
    ax.scatter(*points.T, marker=marker, s=110, color=color, edgecolor="black", label=kind, zorder=1.8)
ax.legend(fontsize="small", loc="center left")
save(fig, "saddle_contour")

fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curves(
    dict(zip(labels, losses.T)),
    ax=ax,
    ylabel="f(x, y)",
    title="Loss against step: a plateau at the saddle's f = 0, longer for a smaller push",
)
ax.axhline(0, color="0.5", linestyle=":", linewidth=1)
ax.axhline(-4, color="0.5", linestyle=":", linewidth=1)
ax.text(steps, -3.9, "minimum f = −4", ha="right", va="bottom", fontsize="small", color="0.3")
save(fig, "loss_plateau")

# %% [markdown]
# ## The simplest saddle: f = x² − y²
#
# In x² − y² the saddle at the origin attracts along x and repels along y, with nothing else around. The
# distance from the saddle tells the story on a log scale: it shrinks by (1 − 2η) per step while x decays,
# then grows by (1 + 2η) per step as the tiny y takes over — straight lines on the log axis. A start with
# y exactly 0 keeps shrinking into the saddle forever.


# %%
def hyperbolic(p):
    """x² − y²: the textbook saddle at the origin (H = diag(2, −2))."""
    return p[..., 0] ** 2 - p[..., 1] ** 2


saddle_paths = gradient_descent(hyperbolic, [[1.0, 0.0], [1.0, 1e-6]], lr=0.06, steps=150)
distance = np.linalg.norm(saddle_paths, axis=-1)
eigenvalues = np.linalg.eigvalsh(
    tg.autograd.functional.hessian(hyperbolic, tg.zeros(2, dtype=tg.float64)).numpy()
)
print(f"\nx² − y² at the origin: Hessian eigenvalues {eigenvalues} → {classify(eigenvalues)}")
assert classify(eigenvalues) == "saddle", "the origin of x² − y² is a saddle"
assert np.all(saddle_paths[:, 0, 1] == 0.0) and distance[-1, 0] < 1e-5, "y = 0 exactly: into the saddle"
assert distance[-1, 1] > 1.0, "a start 1e-6 off the x axis must leave the saddle"

fig, axes = viz.subplots(1, 2, figsize=(11, 4.3))
viz.plot_contour(
    lambda x, y: x**2 - y**2,
    (-1.2, 1.2),
    (-1.2, 1.2),
    ax=axes[0],
    trajectories={"start (1, 10⁻⁶)": saddle_paths[:, 1], "start (1, 0)": saddle_paths[:, 0]},
    title="x² − y²: descent into the saddle and out",
)
axes[0].legend(fontsize="small", loc="lower left")
viz.plot_curves(
    {"start (1, 10⁻⁶)": distance[:, 1], "start (1, 0)": distance[:, 0]},
    ax=axes[1],
    ylabel="distance from the saddle",
    logy=True,
    title="Approach along x, escape along y",
)
save(fig, "hyperbolic_saddle")

# %% [markdown]
# What to take away: a zero gradient means "stop", not "minimum". Gradient descent passes saddles only
# because something pushes it off the stable line — a perturbation, rounding, or the noise of stochastic
# gradients — and the smaller the push, the longer the plateau. The Hessian's eigenvalues say what kind of
# point you are at; in the high-dimensional losses of neural networks, most critical points are saddles.
