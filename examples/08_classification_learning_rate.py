"""Tutorial 8: Classification and the learning rate

The same small network, trained from the same start at learning rates from 10⁻⁴ to 10, learns nothing in
its budget when the rate is too small, becomes unstable when it is too large, and classifies well across a
wide range in between.

Run:  python examples/08_classification_learning_rate.py [--quick]   or   tinygrad-edu lab 08
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("08_classification_learning_rate")  # PNGs go to lab_figures/<that name>/

epochs = 300 if QUICK else 400  # full-batch gradient-descent steps per learning rate
learning_rates = np.logspace(-4, 1, 16 if QUICK else 26)  # 10⁻⁴ … 10, evenly spaced in log
tg.manual_seed(0)

# %% [markdown]
# ## The problem
#
# Two interleaving half moons (`tg.data.datasets.moons`): 300 points to train on and another 300, drawn
# independently, to test on. A straight line cannot separate them, so the model is a small network,
# 2 → 16 → 16 → 2 with ReLU activations, trained with the cross-entropy loss by full-batch gradient descent,
# θ ← θ − η·∇L(θ) (`tg.optim.SGD` on all 300 points at once).
#
# Only the learning rate η changes between runs. Every run starts from the same initial weights (saved once
# with `state_dict()` and restored with `load_state_dict()`) and gets the same budget of steps, so any
# difference comes from η alone.

# %%
x_train, y_train = tg.data.datasets.moons(300, noise=0.15, seed=1)
x_test, y_test = tg.data.datasets.moons(300, noise=0.15, seed=2)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
initial_weights = model.state_dict()
chance = max(np.bincount(y_test.numpy())) / len(y_test)  # accuracy of always guessing the larger class


def train(lr):
    """Reset the network to its initial weights and run ``epochs`` steps at learning rate ``lr``.

    Returns the training loss after every step (stopping early if it turns NaN or infinite).
    """
    model.load_state_dict(initial_weights)
    optimizer = tg.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x_train), y_train)
        losses.append(loss.item())
        if not np.isfinite(losses[-1]):
            break  # diverged: the weights are garbage from here on
        loss.backward()
        optimizer.step()
    return np.array(losses)


def accuracy(x, y, diverged):
    """Fraction classified correctly; a diverged network (NaN outputs) counts as guessing the larger class."""
    if diverged:
        return chance
    with tg.no_grad():
        return tg.train.accuracy(model(x), y)


# %%
curves, train_accuracy, test_accuracy, unstable, diverged, boundaries = {}, [], [], [], [], {}
for lr in learning_rates:
    losses = train(float(lr))
    nan = not np.isfinite(losses[-1])
    curves[lr] = losses
    diverged.append(nan)
    unstable.append(nan or losses.max() > 1.1 * losses[0])  # the loss went uphill at some step
    train_accuracy.append(accuracy(x_train, y_train, nan))
    test_accuracy.append(accuracy(x_test, y_test, nan))
    boundaries[lr] = None if nan else model.state_dict()
train_accuracy, test_accuracy = np.array(train_accuracy), np.array(test_accuracy)
unstable, diverged = np.array(unstable), np.array(diverged)

print(f"{'learning rate':>13} {'final loss':>11} {'highest loss':>13} {'train acc':>10} {'test acc':>9}")
for lr, train_acc, test_acc in zip(learning_rates, train_accuracy, test_accuracy):
    print(
        f"{lr:13.2e} {curves[lr][-1]:11.4f} {np.nanmax(curves[lr]):13.4g} {train_acc:10.3f} {test_acc:9.3f}"
    )

# %% [markdown]
# ## Three regimes
#
# - **Too small** (η ≲ 10⁻³): every step is tiny, and after the whole budget the network has barely left its
#   start: the loss is still near ln 2 ≈ 0.69 (a coin flip) and the accuracy near chance. It would get there
#   eventually; the budget runs out first. Up to η ≈ 0.1 the accuracy climbs with η: the same number of
#   steps carries the network further.
# - **Just right** (here about η = 0.1 to 2.5, more than a decade): the loss falls and train and test accuracy
#   reach 97–100 %. Within the band the exact value hardly matters.
# - **Too large** (η ≳ 3 here): a step overshoots the valley it is in and lands somewhere worse. The loss
#   jumps up (spikes of 5 to 1000× its start), and the run ends as a network whose ReLUs have all died (it
#   predicts one class for everything: chance accuracy) or one that bounces around. With still larger steps,
#   or a loss without the log-sum-exp safeguard of `F.cross_entropy`, the numbers overflow to inf and NaN;
#   such runs are stopped and counted at chance accuracy. (On a 2-D surface, where the edge is exactly
#   2/λmax, see it live: `tinygrad-edu playground --preset lr_too_large`.)
#
# Train and test accuracy move together: this is a lesson about optimisation, not about overfitting.

# %%
good = test_accuracy >= test_accuracy.max() - 0.05  # within 5 points of the best run
good_lrs = learning_rates[good]
print(
    f"\nbest test accuracy {test_accuracy.max():.3f}; within 5 points of it: η from {good_lrs.min():.2g} "
    f"to {good_lrs.max():.2g} (a factor of {good_lrs.max() / good_lrs.min():.0f})"
)

assert train_accuracy[0] < 0.8 and curves[learning_rates[0]][-1] > 0.6, (
    "η = 10⁻⁴ should not learn in the budget"
)
assert test_accuracy.max() >= 0.95, f"some learning rate should classify well, best {test_accuracy.max():.3f}"
assert good_lrs.max() / good_lrs.min() >= 4, f"the good range should be wide, got {good_lrs}"
assert unstable[-1] and test_accuracy[-1] < test_accuracy.max() - 0.05, "η = 10 should be unstable and worse"
assert not unstable[learning_rates < 0.1].any(), "small learning rates should decrease the loss at every step"
assert np.all(np.abs(train_accuracy - test_accuracy) < 0.1), "train and test accuracy should move together"

# %%
fig, ax = viz.subplots(figsize=(8, 4.8))
ax.axvspan(good_lrs.min(), good_lrs.max(), color="C2", alpha=0.12, label="within 5 points of the best")
ax.plot(learning_rates, train_accuracy, "o-", color="C0", label="train accuracy")
ax.plot(learning_rates, test_accuracy, "s--", color="C1", label="test accuracy")
ax.axhline(chance, color="0.5", linestyle=":", label=f"chance ({chance:.2f})")
shaky = unstable & ~diverged
ax.plot(
    learning_rates[shaky],
    test_accuracy[shaky],
    "^",
    color="C3",
    markersize=9,
    markerfacecolor="none",
    label="loss went uphill (unstable)",
)
if diverged.any():
    ax.plot(
        learning_rates[diverged],
        test_accuracy[diverged],
        "X",
        color="C3",
        markersize=9,
        label="diverged to NaN (scored as chance)",
    )
ax.set_xscale("log")
ax.set(
    xlabel="learning rate η (log scale)",
    ylabel="accuracy after training",
    ylim=(0.4, 1.03),
    title=f"Accuracy against learning rate ({epochs} full-batch steps, same start)",
)
ax.legend(fontsize="small", loc="lower center")
save(fig, "accuracy_vs_learning_rate")

# %% [markdown]
# ## The loss curves behind the dots
#
# A few of the runs step by step (log scale). The smallest rate crawls; the middle ones fall steadily, faster
# for larger η; near the top of the good band a spike appears and the run recovers; beyond it the loss
# shoots up and never comes back down.

# %%
chosen = [learning_rates[np.argmin(np.abs(np.log(learning_rates / lr)))] for lr in (1e-3, 1e-2, 0.1, 1, 10)]
fig, ax = viz.subplots(figsize=(8, 4.8))
viz.plot_curves(
    {f"η = {lr:.2g}": curves[lr] for lr in chosen},
    ax=ax,
    logy=True,
    xlabel="step",
    ylabel="training loss (cross-entropy)",
    title="Training loss at five learning rates",
)
ax.legend(fontsize="small", loc="lower left")
save(fig, "loss_curves")

# %% [markdown]
# ## What the networks learned
#
# The decision regions of three of the networks, coloured by the predicted probability of class 1 (red)
# against class 0 (blue), with the boundary P = 0.5 in black. Too small a rate leaves a pale, undecided map
# with a misplaced boundary; a good one wraps around the moons; too large a rate leaves a broken or constant
# classifier.

# %%
grid_x, grid_y = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1.0, 1.5, 150))
grid = tg.tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), dtype=tg.float32)  # the model is float32
best_lr = learning_rates[np.argmax(test_accuracy)]
picks = {"too small": learning_rates[0], "good": best_lr, "too large": learning_rates[-1]}
fig, axes = viz.subplots(1, 3, figsize=(14, 4), sharey=True)
for ax, (verdict, lr) in zip(axes, picks.items()):
    test_acc = test_accuracy[learning_rates == lr][0]
    if boundaries[lr] is not None:
        model.load_state_dict(boundaries[lr])
        with tg.no_grad():
            probability = F.softmax(model(grid), dim=1)[:, 1].numpy().reshape(grid_x.shape)
        regions = ax.contourf(
            grid_x, grid_y, probability, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.5
        )
        ax.contour(grid_x, grid_y, probability, levels=[0.5], colors="black", linewidths=1)
    points = x_test.numpy()
    ax.scatter(points[:, 0], points[:, 1], c=y_test.numpy(), cmap="coolwarm", s=8, edgecolors="none")
    ax.set(xlabel="x₁", title=f"{verdict}: η = {lr:.2g}, test accuracy {test_acc:.2f}")
axes[0].set_ylabel("x₂")
fig.colorbar(regions, ax=axes, label="predicted P(class 1)")
save(fig, "decision_regions")
