"""Tutorial 15: Hyperparameter tuning

A grid search over optimizer, learning rate and batch size for a small network on handwritten digits, judged
on a validation split, with the test set used once at the very end.

Run:  python examples/15_hyperparameter_tuning.py [--quick]   or   tinygrad-edu lab 15
"""

# %%
import itertools
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("15_hyperparameter_tuning")  # PNGs go to lab_figures/15_hyperparameter_tuning/

if QUICK:  # a small grid, two epochs, a narrow network: the same search, in seconds
    learning_rates = [1e-3, 1e-2, 1e-1, 1.0]
    batch_sizes = [32, 128]
    epochs, hidden = 2, 32
else:
    learning_rates = list(np.logspace(-4, 0.5, 10))  # 1e-4 … 3.2, a factor √10 apart
    batch_sizes = [16, 32, 64, 128, 256]
    epochs, hidden = 10, 64

# %% [markdown]
# ## Three data sets, three jobs
#
# `load_digits` returns 8×8 images of handwritten digits (64 pixel features, 10 classes), already split
# into a training set and a test set. Tuning needs a third set. We try many configurations and keep the
# one that scores best — and *that choice* is a fit to whatever data scored it. Score the candidates on
# the test set and its accuracy is no longer an honest estimate of how the winner does on new data: the
# winner was picked, among many, partly for being lucky on those very images. So we carve a *validation*
# set out of the training set, rank every configuration on it, and touch the test set exactly once, with
# the single configuration we finally chose.

# %%
x_all, y_all, x_test, y_test = tg.data.datasets.load_digits(seed=0)  # standardised with training statistics
order = np.random.default_rng(0).permutation(len(y_all))
cut = len(order) // 5  # 20% of the training set for validation
x_val, y_val = x_all[order[:cut]], y_all[order[:cut]]
x_train, y_train = x_all[order[cut:]], y_all[order[cut:]]
print(f"train {len(y_train)}, validation {len(y_val)}, test {len(y_test)} images")

# %% [markdown]
# ## The search space
#
# Four optimizers (plain SGD, SGD with momentum 0.9, Adam, RMSprop), learning rates spaced evenly on a log
# scale — the right η for different optimizers differs by orders of magnitude, so a linear grid would
# waste most of its points — and batch sizes from small (many noisy steps per epoch) to large (few, smooth
# steps). Every configuration trains the same network, 64 → hidden → 10 with ReLU, from the *same*
# initial weights and the same shuffling (`tg.manual_seed(0)` before each run), for the same number of
# epochs, with `tg.train.fit`; only the hyperparameters differ.

# %%
OPTIMIZERS = {
    "SGD": lambda params, lr: tg.optim.SGD(params, lr=lr),
    "SGD+momentum": lambda params, lr: tg.optim.SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: tg.optim.Adam(params, lr=lr),
    "RMSprop": lambda params, lr: tg.optim.RMSprop(params, lr=lr),
}


def train(optimizer_name, lr, batch_size):
    """Train a fresh network with one configuration; returns (model, its tg.train.History)."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    optimizer = OPTIMIZERS[optimizer_name](model.parameters(), lr)
    loader = tg.data.DataLoader(tg.data.TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
    val_loader = tg.data.DataLoader(tg.data.TensorDataset(x_val, y_val), batch_size=len(y_val))
    with np.errstate(all="ignore"):  # a too-large lr overflows to NaN: that run just scores badly
        history = tg.train.fit(
            model, F.cross_entropy, optimizer, loader, epochs=epochs, val_loader=val_loader, progress=False
        )
    return model, history


start = time.perf_counter()
results = []  # one dict per configuration, with its trained network
for name, lr, batch_size in itertools.product(OPTIMIZERS, learning_rates, batch_sizes):
    model, history = train(name, lr, batch_size)
    scores = dict(val_accuracy=history["val_accuracy"][-1], val_loss=history["val_loss"][-1])
    results.append(dict(optimizer=name, lr=lr, batch_size=batch_size, **scores, history=history, model=model))
lookup = {(r["optimizer"], r["lr"], r["batch_size"]): r for r in results}
seconds = time.perf_counter() - start
print(f"{len(results)} configurations × {epochs} epochs in {seconds:.1f} s")

# %% [markdown]
# ## The results
#
# The table is sorted by validation accuracy (the top and the bottom of it; the full grid is in the
# figures). Look at how wide the good range of η is for each optimizer, and where it sits: plain SGD wants
# η near 0.1–1, momentum about ten times less (it adds up about 1/(1 − 0.9) = 10 past gradients), Adam
# and RMSprop about 1e-3 to 1e-2 — their steps are normalised per weight. And look at the validation
# *loss* next to the accuracy: Adam and RMSprop at a huge η still classify most digits correctly, but with
# weights in the hundreds and absurdly confident logits, their cross-entropy is in the thousands. Accuracy
# only asks which logit is largest; it can hide a network that has, by any other measure, blown up.

# %%
ranked = sorted(results, key=lambda r: (-r["val_accuracy"], np.nan_to_num(r["val_loss"], nan=np.inf)))
shown = ranked if len(ranked) <= 16 else ranked[:10] + [None] + ranked[-5:]
print(f"\n{'rank':>4}  {'optimizer':14}{'lr':>9}{'batch':>7}{'val accuracy':>14}{'val loss':>11}")
for row in shown:
    if row is None:
        print(f"{'…':>4}")
        continue
    rank = ranked.index(row) + 1
    print(
        f"{rank:4d}  {row['optimizer']:14}{row['lr']:9.2g}{row['batch_size']:7d}"
        f"{row['val_accuracy']:14.3f}{row['val_loss']:11.3g}"
    )

# %% [markdown]
# Validation accuracy against learning rate, one curve per optimizer (each point the best of its batch
# sizes): every optimizer has a window of good η and falls off to the left, too slow to learn much in the
# epochs given. To the right, SGD with momentum crashes first (the loss overflows to NaN and the accuracy
# drops towards chance, 0.1), plain SGD later; Adam and RMSprop keep a deceptively good accuracy there,
# while their loss explodes (the table's last column).

# %%
fig, ax = viz.subplots(figsize=(7.5, 4.8))
viz.plot_curves(
    {
        name: [max(lookup[name, lr, b]["val_accuracy"] for b in batch_sizes) for lr in learning_rates]
        for name in OPTIMIZERS
    },
    x=learning_rates,
    ax=ax,
    xlabel="learning rate η",
    ylabel="validation accuracy (best batch size)",
    logx=True,
    marker="o",
    title=f"Digits MLP, {epochs} epochs: validation accuracy against η",
)
ax.set_ylim(0, 1.02)
ax.axhline(0.1, color="0.5", linestyle=":", linewidth=1, label="chance")
ax.legend(fontsize="small", loc="lower center")
save(fig, "val_accuracy_vs_lr")

# %% [markdown]
# For the best optimizer, the whole learning-rate × batch-size grid as a heat map. At small η the large
# batches fall behind: they take fewer steps per epoch, so they need a larger η to get as far in the same
# number of epochs. A good η for batch 16 is not automatically a good η for batch 256 — hyperparameters
# interact, which is why we search them together rather than one at a time.

# %%
best = ranked[0]
grid = np.array(
    [[lookup[best["optimizer"], lr, b]["val_accuracy"] for lr in learning_rates] for b in batch_sizes]
)
fig, ax = viz.subplots(figsize=(8, 3.6))
viz.plot_heatmap(
    grid,
    learning_rates,
    batch_sizes,
    ax=ax,
    xlabel="learning rate η",
    ylabel="batch size",
    cbar_label="validation accuracy",
    annotate=True,
    title=f"{best['optimizer']}: validation accuracy over η × batch size",
)
save(fig, "heatmap_best_optimizer")

# %% [markdown]
# The learning curves of each optimizer's best configuration: validation accuracy after every epoch.

# %%
best_per_optimizer = {name: next(r for r in ranked if r["optimizer"] == name) for name in OPTIMIZERS}
fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curves(
    {
        f"{name} (η = {r['lr']:.2g}, batch {r['batch_size']})": r["history"]["val_accuracy"]
        for name, r in best_per_optimizer.items()
    },
    x=np.arange(1, epochs + 1),
    ax=ax,
    xlabel="epoch",
    ylabel="validation accuracy",
    marker="o",
    title="Each optimizer's best configuration, epoch by epoch",
)
save(fig, "best_learning_curves")

# %% [markdown]
# ## The test set, once
#
# Only now, with the configuration fixed, do we look at the test set. The test accuracy is usually a
# little below the winning validation accuracy: the winner's validation score carries the luck it was
# selected for.

# %%
with tg.no_grad():
    test_accuracy = tg.train.accuracy(best["model"](x_test), y_test)
print(
    f"\nbest configuration: {best['optimizer']}, η = {best['lr']:.2g}, batch size {best['batch_size']}: "
    f"validation accuracy {best['val_accuracy']:.3f}, test accuracy {test_accuracy:.3f}"
)

assert best["val_accuracy"] > (0.8 if QUICK else 0.9), f"the best configuration should do well: {best}"
assert test_accuracy > (0.75 if QUICK else 0.9), f"the chosen network should generalise: {test_accuracy:.3f}"
too_small = max(lookup["SGD", learning_rates[0], b]["val_accuracy"] for b in batch_sizes)
assert too_small < best["val_accuracy"] - 0.2, "SGD with the smallest η should clearly lose to the best"
too_large = np.nanmin([lookup["Adam", learning_rates[-1], b]["val_loss"] for b in batch_sizes] + [np.inf])
assert too_large > 100 * best["val_loss"], "Adam with the largest η should have a far worse validation loss"

# %% [markdown]
# What to take away: tune on a log scale, tune each optimizer separately (a comparison at one shared η is a
# comparison of η), keep the test set out of every decision, and expect hyperparameters to interact — the
# best η depends on the batch size and on the optimizer. A grid grows multiplicatively with every
# hyperparameter; with more than two or three of them, random search over the same ranges (Bergstra &
# Bengio 2012) finds good configurations with far fewer runs.
