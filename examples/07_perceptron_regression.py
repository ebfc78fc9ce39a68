"""Tutorial 7: Regression with a perceptron

A one-unit linear model fitted to y = m·x + noise for slopes m from −2 to 2 shows that a loss is measured in
the units of y, so losses are comparable only on data of the same scale, while the correlation of ŷ with y
tells how good the fit is.

Run:  python examples/07_perceptron_regression.py [--quick]   or   tinygrad-edu lab 07
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("07_perceptron_regression")  # PNGs go to lab_figures/07_perceptron_regression/

repetitions = 5 if QUICK else 50  # independent data sets (and fresh models) per slope
steps = 60 if QUICK else 150  # full-batch gradient-descent steps per model
slopes = np.linspace(-2, 2, 21)
N, NOISE = 50, 0.5  # y = m·x + ε with ε ~ N(0, 0.5²): the noise variance is σ² = 0.25
tg.manual_seed(0)

# %% [markdown]
# ## The experiment
#
# For each slope m in −2, −1.8, …, 2 we draw N = 50 points x ~ N(0, 1), y = m·x + ε with noise ε ~ N(0, 0.5²)
# (`tg.data.datasets.linear_data`), fit a model by gradient descent on the mean squared error
# L = mean((ŷ − y)²), and record two numbers: the final loss, and the correlation of the predictions ŷ with
# the targets y. Each slope is repeated with fresh data and a fresh model, so we can show the mean ± one
# standard deviation over the repetitions.
#
# The main model is a perceptron: one linear unit, ŷ = w·x + b (`nn.Linear(1, 1)`). Beside it runs a
# slightly bigger network, Linear(1, 1) → ReLU → Linear(1, 1): one hidden ReLU unit, which is flat (zero) on
# one side of its kink, so it often cannot follow the whole line.


# %%
def perceptron():
    """One linear unit: ŷ = w·x + b."""
    return nn.Linear(1, 1)


def relu_network():
    """One hidden ReLU unit: ŷ = v·relu(w·x + c) + d, a line on one side of the kink, flat on the other."""
    return nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))


def fit(model, x, y, lr):
    """Full-batch gradient descent on the MSE (tg.optim.SGD on all N points); returns the final loss."""
    optimizer = tg.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
    with tg.no_grad():
        return F.mse_loss(model(x), y).item()


def correlation(model, x, y):
    """Pearson's r of ŷ with y; 0 when ŷ is constant (a dead ReLU predicts one number for every x)."""
    with tg.no_grad():
        prediction = model(x).numpy().ravel()
    if np.ptp(prediction) == 0:
        return 0.0
    return float(np.corrcoef(prediction, y.numpy().ravel())[0, 1])


# %% [markdown]
# Both models see exactly the same data sets. Besides each model's loss we keep the variance of y: it is
# the loss of the laziest model, one that always predicts the mean ȳ, and it grows with the slope,
# var(y) ≈ m² + σ².

# %%
shape = (len(slopes), repetitions)
results = {name: {"loss": np.zeros(shape), "r": np.zeros(shape)} for name in ("perceptron", "relu")}
learned_weight, variance_of_y = np.zeros(shape), np.zeros(shape)
examples = {}  # one data set and both fitted models at m = −2, 0 and 2, for the pictures

for i, slope in enumerate(slopes):
    for rep in range(repetitions):
        x, y = tg.data.datasets.linear_data(N, slope=float(slope), noise=NOISE)
        variance_of_y[i, rep] = y.var(correction=0).item()
        models = {"perceptron": perceptron(), "relu": relu_network()}
        for name, model in models.items():
            results[name]["loss"][i, rep] = fit(model, x, y, lr=0.1 if name == "perceptron" else 0.05)
            results[name]["r"][i, rep] = correlation(model, x, y)
        learned_weight[i, rep] = models["perceptron"].weight.item()
        if rep == 0 and round(slope, 6) in (-2.0, 0.0, 2.0):
            examples[round(slope)] = (x, y, models)

loss, r = results["perceptron"]["loss"], results["perceptron"]["r"]
relu_loss, relu_r = results["relu"]["loss"], results["relu"]["r"]

header = ("slope m", "var(y)", "perceptron loss", "r(ŷ, y)", "ReLU-net loss", "r(ŷ, y)")
print("{:>8} {:>8} {:>16} {:>8} {:>14} {:>8}".format(*header))
for i in range(0, len(slopes), 2):
    print(
        f"{slopes[i]:8.1f} {variance_of_y[i].mean():8.2f} {loss[i].mean():16.3f} {r[i].mean():8.3f} "
        f"{relu_loss[i].mean():14.3f} {relu_r[i].mean():8.3f}"
    )

# %% [markdown]
# ## What the numbers say
#
# **The perceptron's loss is the same at every slope.** Gradient descent finds w ≈ m and b ≈ 0, and what is
# left over is the noise: L ≈ σ² = 0.25 whatever m is. Yet the fits are nothing alike. At m = 0 that 0.25 is
# all of var(y): the model has explained nothing (its correlation is about 0.1, the chance correlation of
# 50 noise points — small but positive, because the fitted line leans whichever way the sample happens to).
# At |m| = 2 the same 0.25 is a small part of var(y) ≈ 4.25, and the correlation is 0.97.
#
# **The ReLU network's loss grows with |m|.** Its hidden unit is flat on one side of the kink, so it often
# fits one half of the line and predicts a constant for the other half (or, when the unit dies, a constant
# everywhere). The error it leaves is a fraction of y's spread, and y's spread grows with |m|, so its loss
# grows like m² — not because steep lines are harder, but only because y's scale grows. Its correlation
# still says "much better fit than at m = 0".
#
# The lesson: a loss is measured in the units of y (squared). The same loss can be an excellent fit or a
# useless one, and a larger loss need not be a worse fit; losses can be compared only between models on
# data of the same scale. To compare fits across data sets, use a scale-free measure: the correlation of ŷ
# with y, or the fraction of var(y) left unexplained, L / var(y) = 1 − R².

# %%
per_slope_error = np.abs(learned_weight.mean(axis=1) - slopes)
ends, middle = np.abs(slopes) == 2, slopes == 0
assert per_slope_error.max() < 0.15, f"the learned weight should track the slope m, off by {per_slope_error}"
assert np.abs(learned_weight - slopes[:, None]).max() < 0.5, "every single fit's weight should be near m"
assert np.all(np.abs(loss.mean(axis=1) - NOISE**2) < 0.08), (
    "the perceptron's loss should be σ² = 0.25 at all m"
)
assert relu_loss[ends].mean() > 2 * relu_loss[middle].mean(), (
    "the ReLU net's loss should be highest at |m| = 2"
)
assert abs(slopes[np.argmin(relu_loss.mean(axis=1))]) <= 0.4, (
    "the ReLU net's loss should be lowest near m = 0"
)
assert variance_of_y[ends].mean() > 10 * variance_of_y[middle].mean(), "var(y) grows like m² + σ²"
assert r[middle].mean() < 0.3, f"near m = 0 the correlation should be near 0, got {r[middle].mean():.2f}"
assert r[ends].min() > 0.9, f"at |m| = 2 the correlation should be near 1, got {r[ends].min():.2f}"


# %%
def band(ax, values, label, color, linestyle="-", limits=(0, None)):
    """The mean over repetitions against the slope, shaded ± one standard deviation (clipped to ``limits``,
    the values a loss or a correlation can take)."""
    mean, std = values.mean(axis=1), values.std(axis=1)
    ax.plot(slopes, mean, linestyle, color=color, marker="o", markersize=3, label=label)
    low, high = np.clip(mean - std, *limits), np.clip(mean + std, *limits)
    ax.fill_between(slopes, low, high, color=color, alpha=0.2, linewidth=0)


fig, (ax_loss, ax_r) = viz.subplots(1, 2, figsize=(11, 4.3))
band(ax_loss, variance_of_y, "var(y): loss of always predicting ȳ", "0.5", "--")
band(ax_loss, relu_loss, "ReLU network (Linear → ReLU → Linear)", "C1")
band(ax_loss, loss, "perceptron", "C0")
ax_loss.axhline(NOISE**2, color="C0", linestyle=":", linewidth=1)
ax_loss.annotate(
    "σ² = 0.25 (the noise)",
    (0.2, NOISE**2),
    xytext=(0.2, 1.2),
    fontsize="small",
    color="C0",
    arrowprops=dict(arrowstyle="->", color="C0"),
)
ax_loss.set(
    xlabel="slope m", ylabel="final MSE loss", title=f"Loss after training (mean ± std, {repetitions} runs)"
)
ax_loss.legend(fontsize="small", loc="upper center")
band(ax_r, relu_r, "ReLU network", "C1", limits=(-1, 1))
band(ax_r, r, "perceptron", "C0", limits=(-1, 1))
ax_r.axhline(0, color="0.6", linewidth=0.8)
ax_r.set(
    xlabel="slope m",
    ylabel="correlation r(ŷ, y)",
    title="Fit quality: correlation of ŷ with y",
    ylim=(-0.1, 1.05),
)
ax_r.legend(fontsize="small", loc="lower right")
save(fig, "loss_and_correlation_vs_slope")

# %% [markdown]
# ## Three of the fits
#
# One data set each at m = −2, 0 and 2, with both fitted models. At m = 0 the perceptron's line is nearly flat
# through pure noise; at m = ±2 it follows the data closely. The ReLU network bends at its kink and runs flat
# on one side (or everywhere, when its hidden unit died): the points there lie far from its prediction, and
# how far grows with the slope.

# %%
fig, axes = viz.subplots(1, 3, figsize=(13, 4), sharey=True)
for ax, slope in zip(axes, (-2, 0, 2)):
    x, y, models = examples[slope]
    grid = tg.linspace(-3, 3, 200).reshape(-1, 1)
    ax.scatter(x.numpy(), y.numpy(), s=12, color="0.4", label="data")
    ax.plot(
        grid.numpy(),
        slope * grid.numpy(),
        ":",
        color="black",
        label=f"true line y = {slope:g}·x".replace("-", "−"),
    )
    with tg.no_grad():
        ax.plot(grid.numpy(), models["perceptron"](grid).numpy(), color="C0", label="perceptron")
        ax.plot(grid.numpy(), models["relu"](grid).numpy(), color="C1", label="ReLU network")
    ax.set(xlabel="x", title=f"m = {slope:g}".replace("-", "−"), xlim=(-3, 3))
axes[0].set_ylabel("y")
axes[0].legend(fontsize="small", loc="lower left")
save(fig, "example_fits")

# %% [markdown]
# ## The perceptron learns the slope
#
# Every dot is one fitted perceptron's weight w against the true slope m of its data; they lie on the line
# w = m, scattered by about σ / (√N · std(x)) ≈ 0.07, the uncertainty of a slope estimated from 50 noisy
# points.

# %%
fig, ax = viz.subplots(figsize=(6, 4.5))
jitter = np.random.default_rng(0).uniform(-0.04, 0.04, shape)  # spread the dots sideways to see them all
ax.scatter((slopes[:, None] + jitter).ravel(), learned_weight.ravel(), s=6, alpha=0.4, label="one fit each")
ax.plot(slopes, slopes, color="black", linewidth=1, label="w = m")
ax.set(xlabel="true slope m", ylabel="learned weight w", title="Learned weight against the true slope")
ax.legend(fontsize="small")
save(fig, "learned_weight_vs_slope")
