"""Tutorial 9: Batch, stochastic and mini-batch gradient descent

The same network trained with batches of all N points, of one point, and of 32 points shows that per
epoch stochastic descent learns fastest but noisily, per update the bigger batches do better, and per second
of computing the mini-batch wins.

Run:  python examples/09_batch_vs_stochastic.py [--quick]   or   tinygrad-edu lab 09
"""

# %%
import math
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("09_batch_vs_stochastic")  # PNGs go to lab_figures/09_batch_vs_stochastic/

N = 500 if QUICK else 2000  # training points
sgd_epochs = 3 if QUICK else 10  # stochastic descent's budget; the others get the same time
LR = 0.05  # one learning rate for all three: only the batch size changes
tg.manual_seed(0)

# %% [markdown]
# ## Three ways to walk downhill
#
# The loss of a data set is a mean over its points, L(θ) = (1/N)·Σᵢ ℓ(θ; xᵢ, yᵢ). Gradient descent steps
# θ ← θ − η·∇L(θ), which needs all N points for every step. A batch of B points gives an estimate of the
# same gradient, (1/B)·Σ over the batch, that is cheaper and noisier:
#
# - **batch** gradient descent: B = N, one exact step per pass over the data (an *epoch*);
# - **stochastic** gradient descent (SGD): B = 1, N noisy steps per epoch;
# - **mini-batch** gradient descent: B = 32, N/32 steps per epoch, each less noisy than SGD's.
#
# `tg.data.DataLoader(dataset, batch_size=B, shuffle=True)` produces exactly these batches. Because the loss
# is a *mean* over the batch, the gradient has the same size whatever B is, so one learning rate η = 0.05
# means the same step length per update for all three; they differ in how many updates an epoch buys and
# how noisy each one is.
#
# The problem: two half moons (N points), a 2 → 16 → 16 → 2 ReLU network, the cross-entropy loss, three
# copies of the network starting from the same weights.

# %%
x, y = tg.data.datasets.moons(N, noise=0.2, seed=1)
dataset = tg.data.TensorDataset(x, y)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
initial_weights = model.state_dict()


def full_loss():
    """The loss on the whole training set: the quantity every method is trying to lower."""
    with tg.no_grad():
        return F.cross_entropy(model(x), y).item()


def train(batch_size, epochs=None, seconds=None):
    """Train from the initial weights with mini-batches of ``batch_size`` for ``epochs`` epochs, or for
    whole epochs until ``seconds`` of training time have passed.

    Returns the loader and a record with one row (epochs done, updates done, training seconds, full loss)
    about ten times per epoch. The clock runs while batches are drawn and updates made, and stops while
    the loss on the whole set is measured (that is for us, not part of training).
    """
    model.load_state_dict(initial_weights)
    optimizer = tg.optim.SGD(model.parameters(), lr=LR)
    loader = tg.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, seed=0)
    every = max(1, len(loader) // 10)  # measure ~10 times per epoch
    record, updates, clock, epoch = [(0, 0, 0.0, full_loss())], 0, 0.0, 0
    while (epochs is not None and epoch < epochs) or (seconds is not None and clock < seconds):
        started = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
            updates += 1
            if updates % every == 0:
                clock += time.perf_counter() - started  # stop the clock while we measure
                record.append((updates / len(loader), updates, clock, full_loss()))
                started = time.perf_counter()
        clock += time.perf_counter() - started
        epoch += 1
    return loader, np.array(record)


# %% [markdown]
# SGD runs for a fixed number of epochs; the other two then get the same training time, so in seconds
# the comparison is fair (they run many more epochs in it).

# %%
loader, sgd = train(1, epochs=sgd_epochs)
budget = sgd[-1, 2]
runs = {"SGD (B = 1)": (1, loader, sgd)}
for name, batch_size in [("mini-batch (B = 32)", 32), (f"batch (B = N = {N})", N)]:
    runs[name] = (batch_size, *train(batch_size, seconds=budget))

print(f"same training time for all: {budget:.2f} s\n")
header = ("method", "updates/epoch", "epochs", "updates", "ms/update", "loss after 1 epoch", "final loss")
print("{:>20} {:>13} {:>7} {:>8} {:>9} {:>18} {:>10}".format(*header))
after_one_epoch = {}
for name, (_, loader, record) in runs.items():
    epochs_done, updates, seconds, losses = record.T
    after_one_epoch[name] = losses[np.searchsorted(epochs_done, 1.0)]
    per_update_ms = 1000 * seconds[-1] / updates[-1]
    print(
        f"{name:>20} {len(loader):13d} {epochs_done[-1]:7.0f} {updates[-1]:8.0f} {per_update_ms:9.3f} "
        f"{after_one_epoch[name]:18.4f} {losses[-1]:10.4f}"
    )

# %% [markdown]
# ## Three clocks, three winners
#
# The figure shows the loss on the whole training set against three different clocks.
#
# - **Per epoch** (left): SGD is far ahead. One pass over the data gives it N updates, batch descent one.
#   But its curve is jagged: each step follows a single point's gradient, which can point away from the
#   full-data downhill direction, so the loss goes up as often as it comes down and never settles.
# - **Per update** (middle): the full batch is best: each of its steps uses the exact gradient and its curve
#   is smooth. Mini-batch follows closely; SGD's single-point steps buy the least each.
# - **Per second** (right): what a step costs decides. A step on 32 points costs hardly more than a step on
#   one (the fixed cost of a step, Python and the graph, dominates small batches), so mini-batch descent
#   gets ~32× SGD's progress per second; the full batch's step costs more and comes once per epoch.
#
# Mini-batches are the practical compromise, and the default in deep learning: nearly the per-update
# progress of the full batch, nearly the per-epoch progress of SGD, and the vectorised arithmetic
# (one matrix product for 32 points) that makes each step cheap.

# %%
start_loss = sgd[0, 3]
sgd_losses, batch_losses = runs["SGD (B = 1)"][2][:, 3], runs[f"batch (B = N = {N})"][2][:, 3]
sgd_seconds_per_epoch = budget / sgd_epochs
batch_record = runs[f"batch (B = N = {N})"][2]
batch_seconds_per_epoch = batch_record[-1, 2] / batch_record[-1, 0]
# How far the time-budgeted runs get depends on how busy the machine is, so their thresholds leave room.
for name, (batch_size, loader, record) in runs.items():
    assert len(loader) == math.ceil(N / batch_size), f"{name}: an epoch should have ⌈N/B⌉ updates"
    typical = np.median(record[-10:, 3])  # SGD's loss jitters from point to point: take a typical value
    threshold = 0.85 * start_loss if QUICK else 0.25
    assert typical < threshold, f"{name}: the loss should fall below {threshold:.2f}, got {typical:.3f}"
one = list(after_one_epoch.values())
assert one[0] < one[1] < one[2], f"after one epoch: SGD < mini-batch < batch, got {after_one_epoch}"
assert np.any(np.diff(sgd_losses) > 0), "SGD's loss should go up at some of its steps (noise)"
assert np.all(np.diff(batch_losses[:50]) <= 1e-6), "batch descent's first 50 steps should each lower the loss"
assert sgd_seconds_per_epoch > 10 * batch_seconds_per_epoch, (
    "an SGD epoch should take far longer than a batch one"
)

# %%
fig, axes = viz.subplots(1, 3, figsize=(15, 4.5), sharey=True)
clocks = [
    (0, "epochs (passes over the data, log scale)", "Per epoch: SGD learns most"),
    (1, "updates (log scale)", "Per update: bigger batches learn more"),
    (2, "training time in seconds", "Per second: mini-batch learns most"),
]
for ax, (column, xlabel, title) in zip(axes, clocks):
    curves = {name: record[1:, 3] for name, (_, _, record) in runs.items()}
    xs = {name: record[1:, column] for name, (_, _, record) in runs.items()}
    viz.plot_curves(curves, x=xs, ax=ax, xlabel=xlabel, ylabel="", logy=True, logx=column < 2, title=title)
axes[0].axvline(1, color="0.5", linestyle=":", linewidth=1)
axes[0].annotate(
    "1 epoch", (1, start_loss * 0.9), xytext=(4, 0), textcoords="offset points", fontsize="small"
)
axes[0].set_ylabel("loss on the whole training set (log scale)")
axes[2].set_xlim(0, budget * 1.02)
fig.suptitle(f"Batch, mini-batch and stochastic gradient descent, η = {LR}, the same {budget:.1f} s each")
save(fig, "loss_three_clocks")

# %% [markdown]
# ## What a step costs
#
# Why the per-second panel looks as it does: the time of one update for a range of batch sizes. The cost
# of a step grows far more slowly than B — a step on a few dozen points costs about as much as a step on
# one, and the full batch only a few times more — because for small batches the work is the fixed cost of a
# step (Python, building the graph, launching each operation), not arithmetic. So the time of an epoch,
# ⌈N/B⌉ updates, falls almost in proportion to B. (On a GPU the flat part stretches to far larger batches.)

# %%
sizes = [b for b in (1, 4, 16, 64, 256, 1024, N) if b <= N]
repeats = 5 if QUICK else 20


def seconds_per_update(batch_size):
    """The time of one update on ``batch_size`` points: the best of five blocks of ``repeats`` updates
    (the minimum filters out the moments when other programs had the processor)."""
    model.load_state_dict(initial_weights)
    optimizer = tg.optim.SGD(model.parameters(), lr=LR)
    xb, yb = x[:batch_size], y[:batch_size]
    blocks = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        blocks.append((time.perf_counter() - start) / repeats)
    return min(blocks)


per_update = [seconds_per_update(batch_size) for batch_size in sizes]
per_update = np.array(per_update)
per_epoch = per_update * np.ceil(N / np.array(sizes))
print("\nbatch size  ms/update  ms/epoch")
for batch_size, step, epoch in zip(sizes, per_update, per_epoch):
    print(f"{batch_size:10d} {1000 * step:10.3f} {1000 * epoch:9.2f}")

fig, ax = viz.subplots(figsize=(7, 4.5))
viz.plot_curves(
    {"one update": 1000 * per_update, "one epoch (⌈N/B⌉ updates)": 1000 * per_epoch},
    x=sizes,
    ax=ax,
    xlabel="batch size B (log scale)",
    ylabel="milliseconds (log scale)",
    logx=True,
    logy=True,
    marker="o",
    title=f"The cost of an update and of an epoch (N = {N})",
)
save(fig, "cost_per_update")
