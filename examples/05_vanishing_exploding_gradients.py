"""Tutorial 5: Vanishing and exploding gradients

In a deep network the gradient is a product of per-layer factors, so with a badly scaled initialisation it
shrinks or grows exponentially with depth; matched initialisation keeps it level, and clipping tames a cliff.

Run:  python examples/05_vanishing_exploding_gradients.py [--quick]   or   tinygrad-edu lab 05
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("05_vanishing_exploding_gradients")  # PNGs go to lab_figures/05_vanishing_.../

depth = 15 if QUICK else 20  # hidden layers of the MLP
repeats = 2 if QUICK else 10  # networks per configuration (gradient norms are averaged over them)
width, batch = 64, 64
clip_steps = 60 if QUICK else 200  # gradient-descent steps on the cliff
tg.manual_seed(0)

# %% [markdown]
# ## The gradient of a deep network is a long product
#
# Take an MLP of `depth` layers, a_l = φ(W_l·a_{l−1} + b_l). By the chain rule the gradient that reaches
# layer l is the loss gradient at the output multiplied by one factor per layer above it:
#
#     ∂L/∂a_{l−1} = W_lᵀ · diag(φ'(z_l)) · ∂L/∂a_l
#
# and the weight gradient is ∂L/∂W_l = (∂L/∂z_l) · a_{l−1}ᵀ. If each factor W_lᵀ·diag(φ') shrinks vectors
# by, say, 0.3, the first layer of a 15-layer net receives 0.3¹⁴ ≈ 5·10⁻⁸ of what the last one does: it
# *vanishes*, and the early layers stop learning. If each factor grows vectors by 3, the gradient
# *explodes*. Two things set the factor: the scale of the weights (‖W‖ ≈ std(w)·√width for random W) and
# the slope φ' of the activation (sigmoid: at most 1/4; tanh: at most 1, and ≈ 0 where it saturates;
# ReLU: 0 or 1).
#
# Good initialisations choose the weight scale so the factor is about 1:
# Xavier/Glorot (Glorot & Bengio 2010): std = gain·√(2 / (fan_in + fan_out)), gain 5/3 for tanh;
# Kaiming/He (He et al. 2015): std = √2 / √fan_in for ReLU, which zeroes half its inputs.
#
# The experiment: one batch of random inputs and targets, one `backward()` of the MSE loss, and the norm of
# every layer's weight gradient, ‖∂L/∂W_l‖ — averaged (geometrically) over a few random networks.

# %%
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
INITS = {
    "default": None,  # PyTorch's Linear default: U(−1/√fan_in, 1/√fan_in)
    "N(0, 1)": lambda w, act: nn.init.normal_(w, 0.0, 1.0),
    "N(0, 0.05²)": lambda w, act: nn.init.normal_(w, 0.0, 0.05),
    "Xavier": lambda w, act: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain(act)),
    "Kaiming": lambda w, act: nn.init.kaiming_normal_(w, nonlinearity=act),
}


def make_mlp(activation, init):
    """``depth`` Linear(width, width) layers, each followed by the activation, initialised by ``init``."""
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        if INITS[init] is not None:
            INITS[init](linear.weight, activation)
            nn.init.zeros_(linear.bias)
        layers += [linear, ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


def gradient_norms(activation, init, seed):
    """‖∂L/∂W_l‖ for every layer after one backward, and the activations of the middle layer."""
    tg.manual_seed(seed)
    model = make_mlp(activation, init)
    x, target = tg.randn(batch, width), tg.randn(batch, width)
    middle = model[: depth // 2 * 2](x)  # the first depth/2 layers (a Sequential slices like a list)
    nn.functional.mse_loss(model(x), target).backward()
    norms = [layer.weight.grad.norm().item() for layer in model if isinstance(layer, nn.Linear)]
    return np.array(norms), middle.detach().numpy()


def measure(activation, init):
    """Geometric mean of the per-layer gradient norms over ``repeats`` networks, the middle layer's
    activations (all networks, flattened) and how much they vary from input to input (std over the batch)."""
    runs = [gradient_norms(activation, init, seed) for seed in range(repeats)]
    norms = np.exp(np.mean([np.log(norms) for norms, _ in runs], axis=0))
    input_spread = np.mean([middle.std(axis=0).mean() for _, middle in runs])
    return norms, np.concatenate([middle.ravel() for _, middle in runs]), input_spread


BAD = [
    ("sigmoid", "default"),
    ("relu", "default"),
    ("tanh", "default"),
    ("tanh", "N(0, 1)"),
    ("tanh", "N(0, 0.05²)"),
]
GOOD = [("tanh", "Xavier"), ("relu", "Kaiming"), ("sigmoid", "Xavier")]
results = {config: measure(*config) for config in BAD + GOOD}


def saturated(activation, values):
    """The fraction of units in the flat part of the activation (slope below 2% of its maximum)."""
    if activation == "relu":
        return np.mean(values <= 0)  # ReLU's "flat part" is zero: slope 0
    scale = 1.0 if activation == "tanh" else 0.5
    return np.mean(np.abs(values - (0 if activation == "tanh" else 0.5)) > 0.99 * scale)


print(f"{'activation, init':22} {'‖∂L/∂W₁‖':>10} {'‖∂L/∂W_L‖':>10} {'first/last':>11} {'flat units':>11}")
for (activation, init), (norms, middle, _) in results.items():
    label = f"{activation}, {init}"
    ratio = norms[0] / norms[-1]
    print(
        f"{label:22} {norms[0]:10.2e} {norms[-1]:10.2e} {ratio:11.2e} {saturated(activation, middle):11.0%}"
    )


def first_over_last(activation, init):
    """How much larger the first layer's gradient is than the last one's."""
    norms = results[(activation, init)][0]
    return norms[0] / norms[-1]


def spread(activation, init):
    """Largest over smallest per-layer gradient norm."""
    norms = results[(activation, init)][0]
    return norms.max() / norms.min()


assert first_over_last("sigmoid", "default") < 1e-6, (
    "sigmoid + default init: the first layer's gradient vanishes"
)
assert first_over_last("relu", "default") < 1e-2, "ReLU + PyTorch's default (too small for ReLU) vanishes too"
assert first_over_last("tanh", "N(0, 1)") > 1e2, "tanh + N(0, 1): the gradient explodes towards the input"
assert saturated("tanh", results[("tanh", "N(0, 1)")][1]) > 0.7, "tanh + N(0, 1) saturates most units"
assert saturated("tanh", results[("tanh", "Xavier")][1]) < 0.1, "tanh + Xavier keeps units in the slope"
assert results[("sigmoid", "default")][2] < 1e-3, "deep in the sigmoid net, every input looks the same"
tiny, xavier = results[("tanh", "N(0, 0.05²)")][0], results[("tanh", "Xavier")][0]
assert tiny.max() < 1e-3 * xavier.min(), "tanh + tiny weights: every layer's gradient is tiny"
assert spread("tanh", "Xavier") < 20 and spread("relu", "Kaiming") < 20, "matched init keeps them level"
assert first_over_last("sigmoid", "Xavier") < 1e-4, "Xavier cannot rescue sigmoid: its slope is at most 1/4"

# %% [markdown]
# In the figure (log scale, the input layer on the left): with PyTorch's default initialisation the sigmoid
# network's first layer gets a gradient about 10⁻¹² times the last one's with 15 layers, 10⁻¹⁷ with 20 — it
# will not learn at all — and
# ReLU and tanh lose orders of magnitude too (the default std, 1/√(3·fan_in), is smaller than either needs).
# Weights drawn from N(0, 1) saturate tanh (look at the histogram below), yet the gradient *explodes*: the
# few units still on the slope multiply it by weights of norm ≈ √64 = 8. Tiny weights make every gradient
# tiny, the signal dying on its way forward and on its way back. With Xavier (tanh) and Kaiming (ReLU) the
# norms stay within a small factor over all layers. Sigmoid stays hopeless even with Xavier: its slope is at
# most 1/4 and its outputs are not centred — one reason deep networks moved to tanh and then ReLU.

# %%
COLORS = {"sigmoid": "C0", "tanh": "C1", "relu": "C2"}
LINESTYLES = {"default": "-", "N(0, 1)": "--", "N(0, 0.05²)": ":", "Xavier": "-", "Kaiming": "-"}
layers_axis = np.arange(1, depth + 1)
fig, axes = viz.subplots(1, 2, figsize=(13, 5), sharey=True)
for ax, configs, title in (
    (axes[0], BAD, "Default or badly scaled initialisation"),
    (axes[1], GOOD, "Initialisation matched to the activation"),
):
    for activation, init in configs:
        norms = results[(activation, init)][0]
        ax.semilogy(
            layers_axis,
            norms,
            LINESTYLES[init],
            color=COLORS[activation],
            marker="o",
            markersize=3,
            label=f"{activation}, {init}",
        )
    ax.set(xlabel="layer (1 = input side)", title=title)
    ax.set_xticks(range(1, depth + 1, 2 if depth <= 16 else 3))
    ax.legend(fontsize="small")
axes[0].set_ylabel("‖∂L/∂W_l‖ after one backward")
fig.suptitle(f"Per-layer weight-gradient norms of a {depth}-layer MLP (width {width})")
save(fig, "gradient_norms")

# %% [markdown]
# Why tanh with N(0, 1) weights behaves so differently from Xavier: the histograms of the activations halfway
# up the network. With N(0, 1) each pre-activation has a std of about √64 = 8, so tanh sits on its flat
# arms at ±1; with Xavier the values spread over the slope. The sigmoid network's activations crowd around
# 1/2, where its slope is at most 1/4 — and they hardly depend on the input any more: the titles give each
# unit's spread over the inputs of the batch (its std, averaged over units), which for sigmoid has shrunk to
# about 10⁻⁶ by the middle layer, by the same per-layer factors as the gradient. The signal vanishes on the
# way forward, too.

# %%
fig, axes = viz.subplots(1, 3, figsize=(14, 4))
for ax, (activation, init) in zip(axes, [("tanh", "N(0, 1)"), ("tanh", "Xavier"), ("sigmoid", "default")]):
    _, middle, input_spread = results[(activation, init)]
    ax.hist(middle, bins=60, color=COLORS[activation])
    ax.set(
        xlabel=f"{activation} output at layer {depth // 2}",
        ylabel="count",
        title=f"{activation}, {init}: {saturated(activation, middle):.0%} on the flat part\n"
        f"spread over inputs {input_spread:.1e}",
    )
save(fig, "activations")

# %% [markdown]
# ## Gradient clipping on a cliff
#
# Exploding gradients are the everyday trouble of recurrent networks, which apply the same weight again and
# again. A one-unit linear recurrence shows it: h_t = w·h_{t−1} + b for T = 15 steps from h₀ = 0.5, with the
# loss (h_T − 1)². Its derivatives contain w^T: for |w| < 1 the landscape is gentle, for w > 1 it rises in a
# steep wall — a *cliff* (Pascanu, Mikolov & Bengio 2013). A gradient step taken at the foot of the wall is
# huge and throws the parameters far away, where the next gradient is larger still.
#
# Clipping bounds the step: `tg.nn.utils.clip_grad_norm_(params, max_norm)` rescales the gradient to norm
# `max_norm` when it is longer (keeping its direction); `clip_grad_value_(params, c)` clamps each component
# to [−c, c]. Both go between `backward()` and `optimizer.step()`.

# %%
T, H0, TARGET = 15, 0.5, 1.0
START = (1.05, -0.3)


def recurrence_loss(w, b):
    """(h_T − 1)² for h_t = w·h_{t−1} + b, h₀ = 0.5 (w, b: tensors of any matching shape)."""
    h = H0
    for _ in range(T):
        h = w * h + b
    return (h - TARGET) ** 2


def descend(clip, lr=0.01, steps=clip_steps):
    """Gradient descent on (w, b) with optional clipping; stops when the loss is no longer finite."""
    params = tg.tensor(START, dtype=tg.float64, requires_grad=True)
    optimizer = tg.optim.GD([params], lr=lr)
    path, losses, grad_norms = [params.tolist()], [], []
    with np.errstate(over="ignore", invalid="ignore"):  # the unclipped run overflows on purpose
        for _ in range(steps):
            optimizer.zero_grad()
            loss = recurrence_loss(params[0], params[1])
            losses.append(loss.item())
            if not np.isfinite(losses[-1]):
                break
            loss.backward()
            grad_norms.append(params.grad.norm().item())
            if clip is not None:
                clip(params)
            optimizer.step()
            path.append(params.tolist())
    return np.array(path), np.array(losses), np.array(grad_norms)


CLIPS = {
    "no clipping": None,
    "clip_grad_norm_(max_norm=1)": lambda p: nn.utils.clip_grad_norm_(p, max_norm=1.0),
    "clip_grad_value_(1)": lambda p: nn.utils.clip_grad_value_(p, 1.0),
}
cliff_runs = {name: descend(clip) for name, clip in CLIPS.items()}
print(f"\n{'':28} {'steps':>6} {'first ‖g‖':>10} {'final loss':>11}")
for name, (path, losses, norms) in cliff_runs.items():
    print(f"{name:28} {len(losses):6d} {norms[0]:10.1f} {losses[-1]:11.3g}   ends at (w, b) = {path[-1]}")

wild_path, wild_losses, _ = cliff_runs["no clipping"]
assert not np.isfinite(wild_losses[-1]) or wild_losses.max() > 1e6, "without clipping the run blows up"
assert np.abs(wild_path[1]).max() > 2, "its first step jumps far off the landscape shown"
for name in ("clip_grad_norm_(max_norm=1)", "clip_grad_value_(1)"):
    _, losses, _ = cliff_runs[name]
    assert len(losses) == clip_steps and np.all(np.isfinite(losses)), f"{name} never blows up"
    assert losses[-1] < 0.05 and losses[-1] < losses[0] / 100, f"{name} walks down the cliff to the valley"

# %% [markdown]
# Left: the loss landscape (log-spaced contours; the valley of perfect fits runs diagonally, the wall is on
# the right) with the three runs from the same start on the wall. The unclipped run's first step leaves the
# picture (to the point printed above) and the next overflows. The clipped runs take bounded steps down the
# wall into the valley. Right: the loss against the step.

# %%
fig, axes = viz.subplots(1, 2, figsize=(14, 5.5))
window = ((-0.3, 1.2), (-0.6, 1.0))
viz.plot_contour(
    recurrence_loss,
    *window,
    ax=axes[0],
    trajectories={name: path for name, (path, _, _) in cliff_runs.items()},
    log_levels=True,
    colorbar=False,
    title=f"Loss (h_T − 1)² of the recurrence h_t = w·h_(t−1) + b, T = {T}",
    xlabel="w",
    ylabel="b",
)
w1, b1 = wild_path[1]
axes[0].annotate(
    f"no clipping: first step to\n(w, b) = ({w1:.3g}, {b1:.3g}), then overflow",
    xy=(0.02, 0.02),
    xycoords="axes fraction",
    fontsize="small",
    color="white",
)
axes[0].legend(fontsize="small", loc="upper right")
fig.colorbar(axes[0].collections[0], ax=axes[0], label="loss (h_T − 1)²", format="%.3g")
viz.plot_curves(
    {name: losses for name, (_, losses, _) in cliff_runs.items()},
    ax=axes[1],
    logy=True,
    title="Loss against step (the unclipped run stops at overflow)",
)
save(fig, "clipping")

# %% [markdown]
# What to take away: the gradient of an early layer is a product of one factor per layer above it, so its
# size changes exponentially with depth unless each factor is about 1 — which is what Xavier (tanh) and
# Kaiming (ReLU) initialisation arrange, and what sigmoid cannot offer. When a landscape has cliffs anyway
# (recurrences, products of many weights), clipping the gradient's norm keeps one step from undoing the
# training.
