"""Tutorial 3: Parametric experiments

Sweeping one knob at a time — the start, the learning rate, the learning rate together with the number of
epochs — shows where gradient descent ends, how fast, and when it blows up.

Run:  python examples/03_parametric_experiments.py [--quick]   or   tinygrad-edu lab 03
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("03_parametric_experiments")  # PNGs go to lab_figures/03_parametric_experiments/

n_starts = 81 if QUICK else 401
n_rates = 40 if QUICK else 160
n_epoch_counts = 16 if QUICK else 30
max_epochs = 200 if QUICK else 500

# %% [markdown]
# ## The functions and the trick that makes sweeps cheap
#
# We reuse tutorial 1's functions: the parabola f(x) = 3x² − 3x + 4 (one minimum, at x = 0.5, curvature
# f'' = 6 everywhere) and g(x) = x⁶ − 5x⁴ + 4x² (valleys at 0 and ±1.69, hilltops at ±0.68).
#
# A sweep runs gradient descent many times with different settings. Instead of a Python loop over the
# runs, we put every run's x into ONE tensor and take all the steps together. The trick: f acts on each
# element separately, so in L = Σᵢ f(xᵢ) the element xᵢ appears in one term only, and ∂L/∂xᵢ = f'(xᵢ).
# One `f(x).sum().backward()` therefore fills `x.grad` with every run's own derivative, and one update
# x ← x − η·x.grad moves every run at once — even with a different η per run, if η is a tensor too.
# A sweep of 400 runs costs about as much as a single run.


# %%
def f(x):
    """The parabola 3x² − 3x + 4: one minimum, at x = 0.5."""
    return 3 * x**2 - 3 * x + 4


def g(x):
    """x⁶ − 5x⁴ + 4x²: valleys at 0 and ±1.69, hilltops at ±0.68."""
    return x**6 - 5 * x**4 + 4 * x**2


def sweep(func, starts, lrs, epochs):
    """Gradient descent on many independent runs at once; ``lrs`` is one η for all or one per run.

    Returns every run's x after each epoch: shape (epochs + 1, runs), row 0 the starts.
    """
    x = tg.tensor(starts, dtype=tg.float64, requires_grad=True)
    lr = tg.tensor(lrs, dtype=tg.float64)
    history = [x.detach().numpy().copy()]  # copies: the update changes x in place
    for _ in range(epochs):
        func(x).sum().backward()  # x.grad[i] = func'(x[i]): the runs do not interact
        with tg.no_grad():
            x -= lr * x.grad
        x.grad = None
        history.append(x.detach().numpy().copy())
    return np.stack(history)


def values(func, xs):
    """func at each of ``xs``, as a NumPy array."""
    return func(tg.tensor(xs, dtype=tg.float64)).numpy()


# %% [markdown]
# ## Experiment 1: sweep the start
#
# Run gradient descent on g from every start in [−2, 2] (η = 0.01, 300 epochs) and plot where each ends.
# The answer is a staircase: three flat steps, one per valley, with the jumps at the two hilltops. Inside a
# valley's basin the start doesn't matter at all; across a hilltop it decides everything.

# %%
starts = np.linspace(-2, 2, n_starts)
ends = sweep(g, starts, 0.01, 300)[-1]
valleys = np.unique(np.round(ends, 2))
print(f"start sweep on g: {n_starts} starts end in {len(valleys)} valleys: {valleys}")

left, middle, right = ends[starts < -0.75], ends[np.abs(starts) < 0.6], ends[starts > 0.75]
assert len(valleys) == 3, f"the starts should end in exactly g's three valleys, got {valleys}"
assert np.allclose(left, left[0], atol=1e-3) and np.allclose(right, -left[0], atol=1e-3), "outer basins"
assert np.allclose(middle, 0, atol=1e-3), "starts between the hilltops should all end in the middle valley"

# %%
fig, axes = viz.subplots(1, 2, figsize=(11, 4.2))
axes[0].plot(starts, ends, ".-", markersize=3)
axes[0].set(xlabel="start x₀", ylabel="final x", title="Where g's descent ends: a staircase")
axes[1].plot(starts, values(g, ends), ".-", color="C1", markersize=3)
axes[1].set(xlabel="start x₀", ylabel="final g(x)", title="The loss at the end: two depths of valley")
hilltop = np.sqrt((10 - np.sqrt(52)) / 6)  # g' = 2x(3x⁴ − 10x² + 4) = 0 at x² = (10 ± √52)/6
for ax in axes:
    for top in (-hilltop, hilltop):
        ax.axvline(top, color="0.5", linestyle=":", linewidth=1)
axes[0].text(hilltop, 1.2, f" hilltop x = {hilltop:.2f}", color="0.4", fontsize="small")
save(fig, "final_x_vs_start")

# %% [markdown]
# ## Experiment 2: sweep the learning rate
#
# Now the parabola, from x₀ = −1.5, for 50 epochs, with η from 10⁻⁴ to 0.5 (a log axis). Since
# f'(x) = 6x − 3, one step multiplies the distance to the minimum by (1 − 6η): the whole story is in that
# factor.
#
# - η ≪ 1/6: the factor is just below 1, every step is tiny, and 50 epochs are not enough (too slow).
# - η = 1/6 = 1/f'': the factor is 0, and the first step lands exactly on the minimum.
# - 1/6 < η < 1/3: the factor is negative, x jumps across the minimum at every step (oscillates), but
#   still gets closer.
# - η > 1/3 = 2/f'': |1 − 6η| > 1, every jump lands farther away than the last: gradient descent diverges.
#
# Diverged runs are drawn as red crosses at the edge of the plot, their values far out of range.
# The same edge in 2-D, live: `tinygrad-edu playground --preset lr_too_large` (SGD on x² + 10y² at η = 0.02,
# 0.09 and 0.105, either side of 2/λmax = 0.1).

# %%
lrs = np.geomspace(1e-4, 0.5, n_rates)
x_start = -1.5
final = sweep(f, np.full(n_rates, x_start), lrs, 50)[-1]
distance = np.abs(final - 0.5)
diverged = distance > abs(x_start - 0.5)

print(f"\n{'η':>8} {'final x':>12} {'|x − 0.5|':>10}")
for i in np.linspace(0, n_rates - 1, 8).astype(int):
    print(f"{lrs[i]:8.4f} {final[i]:12.4g} {distance[i]:10.2e}")

assert distance[lrs < 1e-3].min() > 0.5 * abs(x_start - 0.5), "η < 0.001 should not get near after 50 epochs"
good = (lrs > 0.05) & (lrs < 0.3)
assert distance[good].max() < 1e-3, "η between 0.05 and 0.3 should converge within 50 epochs"
assert diverged[lrs > 0.35].all() and not diverged[lrs < 0.33].any(), "divergence sets in at η = 1/3"

# %%
fig, axes = viz.subplots(1, 2, figsize=(11, 4.2))
shown = np.clip(final, -3, 4)
axes[0].plot(lrs[~diverged], final[~diverged], ".-", markersize=4, label="converging or too slow")
axes[0].plot(lrs[diverged], shown[diverged], "x", color="C3", label="diverged (off the scale)")
axes[0].axhline(0.5, color="0.5", linewidth=1, linestyle="--", label="minimum x = 0.5")
axes[0].set(xscale="log", ylim=(-3.3, 4.3), xlabel="learning rate η", ylabel="x after 50 epochs")
axes[0].set_title("Final x against η (start x₀ = −1.5)")
loss_gap = values(f, final) - values(f, [0.5])[0]
floor, ceiling = 1e-16, 1e6  # float64 resolves f − f(0.5) to about 1e-16; above 1e6 it has diverged
axes[1].plot(lrs[~diverged], np.maximum(loss_gap[~diverged], floor), ".-", color="C1", markersize=4)
axes[1].plot(
    lrs[diverged], np.full(diverged.sum(), ceiling), "x", color="C3", label="diverged (off the scale)"
)
axes[1].set(xscale="log", yscale="log", ylim=(floor / 10, ceiling * 10), xlabel="learning rate η")
axes[1].set_ylabel("f(x) − f(0.5) after 50 epochs")
axes[1].set_title("Final loss against η: a valley of good η")
for ax in axes:
    ax.axvline(1 / 6, color="C2", linestyle=":", label="η = 1/f'' = 1/6: one step")
    ax.axvline(1 / 3, color="C3", linestyle=":", label="η = 2/f'' = 1/3: divergence")
axes[0].legend(fontsize="small", loc="upper left")
axes[1].legend(fontsize="small", loc="lower left")
save(fig, "learning_rate_sweep")

# %% [markdown]
# ## Experiment 3: learning rate × epochs
#
# One sweep over η gives every epoch count for free: we record x after every epoch and read off the rows we
# want. The heat map shows x after that many epochs (start x₀ = −1.5); grey cells diverged.
#
# Look at the lower-left corner: with a small η, x has hardly moved. The colour bands run diagonally because
# for small η what matters is the product η·epochs (each step shrinks the distance by about e^(−6η), so n
# steps shrink it by e^(−6ηn)): ten times smaller η needs ten times more epochs. At the right edge the
# stripes of the oscillating regime appear, then the grey of divergence beyond η = 1/3.

# %%
grid_lrs = np.geomspace(1e-3, 0.5, 24)
epoch_counts = np.unique(np.geomspace(1, max_epochs, n_epoch_counts).round().astype(int))
history = sweep(f, np.full(len(grid_lrs), x_start), grid_lrs, max_epochs)
final_x = history[epoch_counts]  # (epoch counts, learning rates)
blown_up = np.abs(final_x - 0.5) > abs(x_start - 0.5)
final_x[blown_up] = np.nan

fig, ax = viz.subplots(figsize=(8, 5.5))
viz.plot_heatmap(
    final_x,
    grid_lrs,
    epoch_counts,
    ax=ax,
    xlabel="learning rate η",
    ylabel="epochs",
    cbar_label="final x (minimum at 0.5)",
    title="x after n epochs from x₀ = −1.5 (grey: diverged)",
    cmap="RdBu_r",
)
ax.images[0].set_clim(x_start, 0.5 + (0.5 - x_start))  # white = the minimum; blue: short of it, red: past it
first_diverged = int(np.argmax(grid_lrs > 1 / 3))
ax.text(
    first_diverged + 0.5 * (len(grid_lrs) - first_diverged) - 0.5,
    len(epoch_counts) / 2,
    "diverged",
    rotation=90,
    ha="center",
    va="center",
    color="0.25",
)
save(fig, "learning_rate_x_epochs_heatmap")

stable = grid_lrs < 1 / 3
assert np.all(np.isnan(final_x[:, ~stable])), "every cell with η > 1/3 should have diverged"
assert np.all(np.abs(final_x[-1, (grid_lrs > 0.02) & stable] - 0.5) < 1e-3), "enough epochs at a fair η"
assert abs(final_x[0, 0] - x_start) < 0.05, "one epoch at η = 0.001 leaves x near its start"
small = grid_lrs[0]
ten_times_longer = sweep(f, [x_start], [small / 10], 10 * 20)[-1, 0]
assert abs(ten_times_longer - history[20, 0]) < 0.01, "η/10 for 10× the epochs lands where η does"
print(f"\nη = {small:g} for 20 epochs: x = {history[20, 0]:.4f}")
print(f"η = {small / 10:g} for 200 epochs: x = {ten_times_longer:.4f}")

# %% [markdown]
# What to take away: the start decides *which* minimum (on a bumpy function); the learning rate decides
# *whether* and *how fast* you get there. For a quadratic the safe range is 0 < η < 2/f'', the fastest
# η = 1/f''; and a smaller η can be bought back with more epochs — at a price in time.
