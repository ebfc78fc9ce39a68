"""Tutorial 13: Loss landscapes

Slicing a trained network's loss along random, filter-normalised directions in weight space shows the bowl
that training found, and why the directions must be scaled to the weights.

Run:  python examples/13_loss_landscapes.py [--quick]   or   tinygrad-edu lab 13
"""

# %%
import numpy as np
from matplotlib.colors import LogNorm

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("13_loss_landscapes")  # PNGs go to lab_figures/13_loss_landscapes/

train_steps = 300 if QUICK else 1000
line_points = 41 if QUICK else 101  # values of a on the 1-D slices
grid_points = 21 if QUICK else 41  # values of a (and of b) on the 2-D slices
tg.manual_seed(0)

# %% [markdown]
# ## A network to look at
#
# A network's loss J(θ) is a function of all its weights at once — here about 1,200 numbers — so we cannot
# draw it. What we can draw is a *slice*: pick a direction d in weight space (one tensor per parameter, of
# the parameter's shape) and plot J(θ + a·d) against the number a, or pick two directions and plot
# J(θ + a·d₁ + b·d₂) over the (a, b) plane as a contour map (Li, Xu, Taylor, Studer & Goldstein 2018,
# "Visualizing the Loss Landscape of Neural Nets").
#
# Our network: a small ReLU MLP, 2 → 32 → 32 → 2, trained with Adam on the two-moons data set. We keep a
# copy of its weights at initialisation to compare the landscape before and after training.

# %%
x, y = tg.data.datasets.moons(200, noise=0.15, seed=0)


def make_mlp():
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))


def loss_fn(model):
    """The training loss of ``model``: the quantity whose landscape we slice."""
    return F.cross_entropy(model(x), y)


model = make_mlp()
initial = make_mlp()
initial.load_state_dict(model.state_dict())  # the same weights, frozen at initialisation
optimizer = tg.optim.Adam(model.parameters(), lr=0.01)
for _ in range(train_steps):
    optimizer.zero_grad()
    loss = loss_fn(model)
    loss.backward()
    optimizer.step()

with tg.no_grad():
    trained_loss, initial_loss = loss_fn(model).item(), loss_fn(initial).item()
    accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
count = sum(p.numel() for p in model.parameters())
print(f"{count} parameters; loss {initial_loss:.3f} at initialisation, {trained_loss:.4f} after training")
print(f"training accuracy {accuracy:.3f}")
assert trained_loss < 0.1 and accuracy > 0.95, (
    "the network should fit the moons before we slice its landscape"
)

# %% [markdown]
# ## Directions scaled filter by filter
#
# A random Gaussian direction has entries of size 1, but the weights do not: a layer whose weights are
# small is moved, relatively, much more than a layer whose weights are large, and the picture shows the
# weights' scale rather than the loss. Li et al.'s fix, *filter-wise normalisation*: rescale each filter of
# d — for a Linear layer, the row of weights feeding one output neuron — to the norm of the same row of θ,
#
#     dᵢ ← dᵢ / ‖dᵢ‖ · ‖θᵢ‖,
#
# so a = 1 moves every neuron's weights by as much as their own size. Biases get a zero direction, the
# paper's choice (they would need their own rule, and they matter little here). `viz.random_direction`
# does this; `viz.loss_landscape_1d` / `_2d` evaluate the loss at each point under `tg.no_grad()`, setting
# the weights from a saved copy and restoring them exactly at the end.

# %%
alphas = np.linspace(-1, 1, line_points)
grid = np.linspace(-1, 1, grid_points)
line = {
    "after training": viz.loss_landscape_1d(
        model, loss_fn, viz.random_direction(model.parameters(), seed=1), alphas
    ),
    "at initialisation": viz.loss_landscape_1d(
        initial, loss_fn, viz.random_direction(initial.parameters(), seed=1), alphas
    ),
}
plane = {
    name: viz.loss_landscape_2d(
        net,
        loss_fn,
        viz.random_direction(net.parameters(), seed=2),
        viz.random_direction(net.parameters(), seed=3),
        grid,
        grid,
    )
    for name, net in (("after training", model), ("at initialisation", initial))
}

print(f"{'':20}{'J(θ)':>9}{'J(θ − d)':>10}{'J(θ + d)':>10}{'min on line':>13}")
for name, losses in line.items():
    print(f"{name:20}{losses[line_points // 2]:9.4f}{losses[0]:10.3f}{losses[-1]:10.3f}{min(losses):13.4f}")

# %% [markdown]
# ## Before and after training
#
# The contour maps show the loss on a plane through θ (the star). After training, θ sits at the bottom of
# a bowl: the loss is lowest at the star and rises in every direction, steeply, because a = ±1 moves every
# neuron's weights by as much as their own size. At initialisation the network's output is nearly constant,
# the loss (about log 2 ≈ 0.69, a coin flip) hardly changes across the same plane, and nothing marks θ as
# special.
# Each map has its own logarithmic colour scale, spread over its own range of losses (read the colour
# bars): on one shared scale the map at initialisation, which only spans 0.69 to about 1, would be a single
# flat colour, and its gentle tilt would not show at all.

# %%
fig, axes = viz.subplots(1, 2, figsize=(13, 5.2))
for ax, (name, losses) in zip(axes, plane.items()):
    low, high = np.min(losses), np.max(losses)
    levels = np.geomspace(low, high, 26)
    filled = ax.contourf(grid, grid, losses, levels=levels, norm=LogNorm(low, high), cmap="viridis")
    ax.contour(grid, grid, losses, levels=levels, colors="white", linewidths=0.4, alpha=0.7)
    ax.plot(0, 0, "*", color="red", markersize=14, markeredgecolor="black", label="θ (a = b = 0)")
    title = f"{name}: J from {low:.2f} to {high:.2f}"
    ax.set(xlabel="a (along d₁)", ylabel="b (along d₂)", title=title, aspect="equal")
    ax.legend(loc="upper right", fontsize="small")
    fig.colorbar(filled, ax=ax, label="training loss (log scale)", format="%.3g", shrink=0.85)
fig.suptitle("The moons MLP's loss on a random plane through θ (filter-normalised directions)")
save(fig, "landscape_2d")

fig, ax = viz.subplots(figsize=(7, 4.5))
for name, losses in line.items():
    viz.plot_landscape_1d(alphas, losses, ax=ax, label=name)
ax.set_yscale("log")
ax.set_title("J(θ + a·d) along one random filter-normalised direction")
save(fig, "landscape_1d")


centre = line_points // 2
trained_line, initial_line = np.array(line["after training"]), np.array(line["at initialisation"])
assert trained_line[centre] == trained_loss, "a = 0 must be the trained network itself"
assert min(trained_line[0], trained_line[-1]) > 10 * trained_line[centre], "θ should sit in a basin"
trained_rise = min(trained_line[0], trained_line[-1]) - trained_line[centre]
initial_rise = max(initial_line[0], initial_line[-1]) - initial_line[centre]
assert trained_rise > 3 * abs(initial_rise), "the trained basin should be steeper than the initial landscape"
bottom = np.unravel_index(np.argmin(plane["after training"]), (grid_points, grid_points))
assert max(abs(grid[bottom[0]]), abs(grid[bottom[1]])) <= 0.25, (
    f"the plane's minimum should be near θ: {bottom}"
)

# %% [markdown]
# ## Why normalise: a network that computes the same function with other weights
#
# ReLU is positively homogeneous, relu(c·z) = c·relu(z) for c > 0. So multiplying the first layer's
# weights and bias by c = 10 and dividing the second layer's weights by 10 gives a *different* θ that
# computes exactly the *same* function, with the same loss. A picture of "the landscape around a solution"
# should not tell these two apart.
#
# With plain Gaussian directions it does: the same random draw (same seed) moves the tenfold-larger first
# layer relatively ten times less and the shrunken second layer ten times more, and the curves differ.
# With filter-wise normalisation the directions scale with the weights, every perturbed network of the
# twin computes the same function as the matching perturbed original, and the two curves coincide.

# %%
twin = make_mlp()
twin.load_state_dict(model.state_dict())
with tg.no_grad():
    twin[0].weight.mul_(10.0)
    twin[0].bias.mul_(10.0)
    twin[2].weight.div_(10.0)
    twin_loss = loss_fn(twin).item()
print(f"\nloss of the trained network {trained_loss:.6f}, of its rescaled twin {twin_loss:.6f}")

slices = {}
for normalise in (False, True):
    for name, net in (("trained network", model), ("rescaled twin", twin)):
        direction = viz.random_direction(net.parameters(), filter_normalize=normalise, seed=4)
        slices[normalise, name] = np.array(viz.loss_landscape_1d(net, loss_fn, direction, alphas))

fig, axes = viz.subplots(1, 2, figsize=(12, 4.5))
for ax, normalise in zip(axes, (False, True)):
    viz.plot_landscape_1d(alphas, slices[normalise, "trained network"], ax=ax, label="trained network")
    ax.plot(alphas, slices[normalise, "rescaled twin"], "--", linewidth=2, label="rescaled twin")
    ax.legend(fontsize="small")
    ax.set_yscale("log")
    kind = "filter-normalised directions" if normalise else "plain Gaussian directions"
    ax.set_title(f"{kind}: {'the same curve' if normalise else 'two different pictures'}")
fig.suptitle("One function, two weight settings (first layer ×10, second layer ÷10)")
save(fig, "scale_invariance")

raw_gap = np.max(np.abs(slices[False, "trained network"] - slices[False, "rescaled twin"]))
normalised_gap = np.max(np.abs(slices[True, "trained network"] - slices[True, "rescaled twin"]))
print(
    f"largest difference between the two curves: plain {raw_gap:.3g}, filter-normalised {normalised_gap:.3g}"
)
assert abs(twin_loss - trained_loss) < 1e-5, "the rescaled twin must compute the same function"
assert normalised_gap < 1e-3 * np.max(slices[True, "trained network"]), "normalised slices must coincide"
assert raw_gap > 0.1 * np.max(slices[False, "trained network"]), "plain slices should differ clearly"

# %% [markdown]
# What to take away: a landscape picture is a slice through a space of a thousand dimensions (millions for
# real networks), along directions chosen at random, so it shows one view, not *the* landscape; and the
# view means something only when the directions are scaled to the weights, filter by filter, so that a
# rescaling that does not change the network does not change the picture either.
