"""Tutorial 12: Loss functions

The regression losses (MSE, L1, Huber) against the error and the classification losses (hinge, logistic,
cross-entropy) against the margin, with their derivatives from autograd, and what the shape of a loss does
to a line fitted to data with a few outliers.

Run:  python examples/12_loss_functions.py [--quick]   or   tinygrad-edu lab 12
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("12_loss_functions")  # PNGs go to lab_figures/12_loss_functions/

steps = 150 if QUICK else 400  # gradient-descent steps per line fit
outlier_counts = range(0, 11, 2) if QUICK else range(0, 11)
tg.manual_seed(0)

# %% [markdown]
# ## A loss and its derivative
#
# Training only ever sees a loss through its derivative: gradient descent moves each prediction by
# −η·∂L/∂ŷ. So for each loss we plot two things: the loss itself and its derivative, which is the *force*
# with which a data point pulls on the prediction.
#
# We evaluate every loss on a whole range of values at once with `reduction="none"` (one loss per element)
# and get all the derivatives from one `backward()`: the loss of element i depends only on input i, so
# the gradient of the *sum* is, element by element, the derivative of each loss.


# %%
def loss_and_derivative(loss_fn, values):
    """``loss_fn`` on a tensor of ``values`` (elementwise) and its derivative there, from autograd."""
    inputs = tg.tensor(values, requires_grad=True)
    losses = loss_fn(inputs)
    losses.sum().backward()
    return losses.detach().numpy(), inputs.grad.numpy()


# %% [markdown]
# ## Regression: a function of the error e = ŷ − y
#
# - MSE, e²: the pull 2e grows with the error, so one far-off point pulls as hard as many near ones.
# - L1 (mean absolute error), |e|: the pull is ±1 whatever the error — every point has one vote, which is
#   why its minimiser is a median. It has a kink at 0 (autograd uses the derivative 0 there).
# - Huber with δ = 1 (`F.huber_loss`; PyTorch's `smooth_l1_loss`, not in tinygrad_edu, is the same divided
#   by δ): ½e² for |e| ≤ δ and δ(|e| − ½δ) beyond — MSE for small errors, L1 for large ones; its pull is e
#   clipped to [−δ, δ].

# %%
errors = np.linspace(-3, 3, 601)
zero = tg.zeros(len(errors))
regression = {
    "MSE  (ŷ − y)²": lambda e: F.mse_loss(e, zero, reduction="none"),
    "L1  |ŷ − y|": lambda e: F.l1_loss(e, zero, reduction="none"),
    "Huber, δ = 1": lambda e: F.huber_loss(e, zero, reduction="none", delta=1.0),
}
regression_curves = {name: loss_and_derivative(fn, errors) for name, fn in regression.items()}

mse_slope, l1_slope, huber_slope = (d for _, d in regression_curves.values())
assert np.allclose(mse_slope, 2 * errors, atol=1e-5), "d(e²)/de = 2e"
assert np.allclose(l1_slope, np.sign(errors)), "d|e|/de = sign(e)"
assert np.allclose(huber_slope, np.clip(errors, -1, 1), atol=1e-5), (
    "Huber's derivative is e clipped to [−δ, δ]"
)

# %% [markdown]
# ## Classification: a function of the margin
#
# With labels y ∈ {−1, +1} and a score f(x) (the model's raw output), the margin m = y·f(x) is positive
# when the sign of the score is right, and large when it is confidently right. The losses:
#
# - 0–1 loss, [m ≤ 0]: what we would like to minimise (the error rate) but cannot: its derivative is 0
#   everywhere it exists, so gradient descent gets no signal from it.
# - hinge (SVM), max(0, 1 − m) (`F.hinge_loss`): zero once a point is right with margin 1; a constant pull
#   on every point short of it.
# - logistic, log(1 + e^−m) = softplus(−m): never quite zero; the pull fades smoothly as the margin grows.
# - binary cross-entropy of the probability p = σ(f) for the target t = (y + 1)/2 ∈ {0, 1}
#   (`F.binary_cross_entropy`): −log σ(m) — exactly the logistic loss. Logistic regression *is*
#   cross-entropy on a sigmoid; `F.binary_cross_entropy_with_logits` computes the same thing stably.
# - squared error on the score, (1 − m)² = (f − y)² for y = ±1 (`F.mse_loss`): it also punishes points
#   that are right *with a large margin* — its derivative turns positive for m > 1, pushing confident,
#   correct predictions back towards 1. That is why squared error is a poor classification loss.
#
# Every margin loss is drawn for y = +1, where the margin is the score itself.

# %%
margins = np.linspace(-3, 3, 601)
ones = tg.ones(len(margins))
classification = {
    "0–1 loss  [m ≤ 0]": lambda m: (m <= 0).float() + 0 * m,  # + 0·m: a graph to differentiate (slope 0)
    "hinge  max(0, 1 − m)": lambda m: F.hinge_loss(m, ones, reduction="none"),
    "logistic  softplus(−m)": lambda m: F.softplus(-m),
    "cross-entropy  −log σ(m)": lambda m: F.binary_cross_entropy(m.sigmoid(), ones, reduction="none"),
    "squared  (1 − m)²": lambda m: F.mse_loss(m, ones, reduction="none"),
}
classification_curves = {name: loss_and_derivative(fn, margins) for name, fn in classification.items()}

logistic, logistic_slope = classification_curves["logistic  softplus(−m)"]
cross_entropy, cross_entropy_slope = classification_curves["cross-entropy  −log σ(m)"]
with_logits = F.binary_cross_entropy_with_logits(tg.tensor(margins), ones, reduction="none").numpy()
assert np.allclose(logistic, cross_entropy, atol=1e-5), "the logistic loss is the cross-entropy of σ(m)"
assert np.allclose(logistic, with_logits, atol=1e-5), "…and binary_cross_entropy_with_logits computes it too"
assert np.allclose(logistic_slope, cross_entropy_slope, atol=1e-5), "equal losses have equal derivatives"
assert np.allclose(logistic_slope, -1 / (1 + np.exp(margins)), atol=1e-5), "d softplus(−m)/dm = −σ(−m)"
hinge, hinge_slope = classification_curves["hinge  max(0, 1 − m)"]
assert np.all(hinge[margins >= 1] == 0) and np.all(hinge_slope[margins < 1] == -1), "hinge: 0 beyond m = 1"
squared_slope = classification_curves["squared  (1 − m)²"][1]
assert np.all(squared_slope[margins > 1.01] > 0), "squared error pushes back points with a margin above 1"
print(f"{'margin m':>9}" + "".join(f"{name.split()[0]:>15}" for name in classification))
for m in (-2.0, 0.0, 1.0, 2.0):
    i = np.argmin(np.abs(margins - m))
    print(f"{m:9.1f}" + "".join(f"{curve[0][i]:15.3f}" for curve in classification_curves.values()))

# %%
fig, axes = viz.subplots(2, 2, figsize=(11, 8))
rows = [
    (errors, regression_curves, "error e = ŷ − y", "Regression losses", "∂loss/∂ŷ"),
    (margins, classification_curves, "margin m = y·f(x)", "Classification losses (y = +1)", "∂loss/∂f"),
]
for row, (xs, curves, xlabel, title, derivative) in enumerate(rows):
    for column in (0, 1):  # the losses, then their derivatives
        ax = axes[row, column]
        for i, (name, values) in enumerate(curves.items()):
            dashed = name.startswith("cross-entropy")  # drawn over the logistic curve it equals
            ax.plot(
                xs,
                values[column],
                "--" if dashed else "-",
                color=viz.style(i)[0],
                linewidth=2.5 if dashed else 1.8,
                zorder=3 if dashed else 2,
                label=name + ("  (= logistic)" if dashed else ""),
            )
        ax.axhline(0, color="0.7", linewidth=0.8, zorder=1)
        ax.axvline(0, color="0.7", linewidth=0.8, zorder=1)
        if column == 0:
            ax.set(xlabel=xlabel, ylabel="loss", title=title, xlim=(-3, 3))
        else:
            ax.set(xlabel=xlabel, ylabel=f"derivative {derivative}", title="… and their pull (from autograd)")
            ax.set_xlim(-3, 3)
axes[0, 0].set_ylim(-0.2, 5)
axes[0, 1].set_ylim(-4, 4)
axes[1, 0].set_ylim(-0.2, 5)
axes[1, 1].set_ylim(-2.5, 2.5)
axes[0, 0].legend(fontsize="small", loc="upper center")
axes[0, 1].legend(fontsize="x-small", loc="upper left")
axes[1, 0].legend(fontsize="small", loc="upper right")
axes[1, 1].legend(fontsize="x-small", loc="upper left")
save(fig, "loss_functions")

# %% [markdown]
# ## Outliers: which loss believes them?
#
# Now the shape matters. We fit a line, `nn.Linear(1, 1)`, to 50 points on y = 1.5·x + noise, in which a
# few points at the right end were recorded far too low (a glitch of the sensor: 12 below the line). The
# same model, the same data, the same optimizer (gradient descent with momentum); only the loss changes.

# %%
TRUE_SLOPE = 1.5
clean_x, clean_y = tg.data.datasets.linear_data(50, slope=TRUE_SLOPE, noise=0.3, seed=0)
by_x = np.argsort(clean_x.numpy()[:, 0])


def with_outliers(count):
    """The data with the ``count`` right-most points pushed 12 below the line (x stays as it is)."""
    drop = np.zeros((50, 1), dtype=np.float32)
    drop[by_x[len(by_x) - count :]] = -12.0
    return clean_x, clean_y + tg.tensor(drop)


losses = {"MSE": F.mse_loss, "Huber (δ = 1)": F.huber_loss, "L1": F.l1_loss}


def fit_line(loss_fn, x, y):
    """Fit ŷ = w·x + b by minimising ``loss_fn``; every run starts from the same weights."""
    tg.manual_seed(0)
    line = nn.Linear(1, 1)
    optimizer = tg.optim.SGD(line.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(line(x), y).backward()
        optimizer.step()
    return line


shown = 5  # the fit we draw
x, y = with_outliers(shown)
lines = {name: fit_line(fn, x, y) for name, fn in losses.items()}
slopes = {
    name: np.array([fit_line(fn, *with_outliers(k)).weight.item() for k in outlier_counts])
    for name, fn in losses.items()
}

print(f"\nfitted slope (true slope {TRUE_SLOPE}) by number of outliers among 50 points")
print(f"{'outliers':>8}" + "".join(f"{name:>15}" for name in losses))
for i, k in enumerate(outlier_counts):
    print(f"{k:8d}" + "".join(f"{slopes[name][i]:15.3f}" for name in losses))

# %% [markdown]
# Under MSE the five outliers drag the line down so hard that its slope turns negative: seen from the true
# line, each of them pulls with a force of 2·12 = 24, an ordinary point (error ≈ 0.3) with about 0.6.
# Huber caps every pull at δ = 1, so the outliers count like five ordinary points that happen to be far
# off; L1 gives each point one vote of ±1. With more and more outliers MSE's slope falls in a straight
# line, one outlier at a time; Huber's bends away slowly, and L1's moves least of all.

# %%
slope_error = {name: abs(line.weight.item() - TRUE_SLOPE) for name, line in lines.items()}
assert slope_error["Huber (δ = 1)"] < slope_error["MSE"] - 0.5, f"Huber should beat MSE: {slope_error}"
assert slope_error["L1"] < slope_error["MSE"] - 0.5, f"L1 should beat MSE: {slope_error}"
assert all(abs(s[0] - TRUE_SLOPE) < 0.15 for s in slopes.values()), (
    "without outliers all three find the slope"
)
assert slopes["MSE"][-1] < slopes["MSE"][0] - 2, "MSE's slope should be dragged far off by 10 outliers"
assert np.all(slopes["L1"] > slopes["Huber (δ = 1)"] - 0.05), "L1 should resist the outliers at least as well"

# %%
fig, (ax_fit, ax_slope) = viz.subplots(1, 2, figsize=(12, 4.6))
points, targets = x.numpy()[:, 0], y.numpy()[:, 0]
is_outlier = np.isin(np.arange(50), by_x[50 - shown :])
ax_fit.scatter(points[~is_outlier], targets[~is_outlier], s=14, color="0.35", label="data")
ax_fit.scatter(points[is_outlier], targets[is_outlier], s=30, marker="x", color="C3", label="outliers")
grid = tg.linspace(points.min(), points.max(), 50).reshape(-1, 1)
ax_fit.plot(
    grid.numpy(), TRUE_SLOPE * grid.numpy(), ":", color="black", label=f"true line y = {TRUE_SLOPE}·x"
)
for i, (name, line) in enumerate(lines.items()):
    with tg.no_grad():
        ax_fit.plot(
            grid.numpy(),
            line(grid).numpy(),
            color=viz.style(i)[0],
            label=f"{name}: slope {line.weight.item():.2f}",
        )
ax_fit.set(xlabel="x", ylabel="y", title=f"Line fits with {shown} outliers among 50 points")
ax_fit.legend(fontsize="small", loc="lower left")
viz.plot_curves(
    slopes,
    x=list(outlier_counts),
    ax=ax_slope,
    xlabel="number of outliers (of 50 points)",
    ylabel="fitted slope w",
    marker="o",
    title="Fitted slope against the number of outliers",
)
ax_slope.axhline(TRUE_SLOPE, color="black", linestyle=":", label="true slope")
ax_slope.legend(fontsize="small", loc="lower left")
save(fig, "outliers")

# %% [markdown]
# What to take away: choose the loss for what your errors look like. MSE is the right loss for Gaussian
# noise and the wrong one when a few measurements are wild; Huber and L1 bound the pull of any one point.
# For classification, the loss should stop pushing once a point is right by a margin (hinge, logistic),
# not punish being right too confidently (squared error).
