"""Tutorial 4: Fixed vs dynamic learning rates

A learning rate that changes during training, with the gradient or with time, gets both the fast start of a
large rate and the calm finish of a small one; the schedules of tg.optim.lr_scheduler are the standard forms.

Run:  python examples/04_learning_rates.py [--quick]   or   tinygrad-edu lab 04
"""

# %%
import math

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("04_learning_rates")  # PNGs go to lab_figures/04_learning_rates/

steps = 50 if QUICK else 200  # gradient-descent steps in part 1
epochs = 60 if QUICK else 100  # epochs of each schedule in part 2
tg.manual_seed(0)

# %% [markdown]
# ## The problem: a bowl that is steep one way
#
# f(x, y) = √(1 + x² + 5y²) − 1 is a smoothed cone: near the minimum at (0, 0) it is the quadratic
# (x² + 5y²)/2, far away it grows like the distance, so the gradient never gets larger than √5. Its
# curvature at the bottom is 1 along x and 5 along y, and gradient descent with a constant rate η is stable
# there only if η·5 < 2, that is η < 0.4. A larger η does not blow up — far away the slope is bounded — but it
# can never settle either: it ends bouncing across the valley in y for ever.
#
# (We compute f as r² / (1 + √(1 + r²)), with r² = x² + 5y²: the same function, without the cancellation of
# √(1 + r²) − 1 at tiny r, so the loss curves below can go all the way down.)


# %%
def f(x, y):
    """The smoothed cone √(1 + x² + 5y²) − 1, minimum 0 at (0, 0)."""
    r2 = x**2 + 5 * y**2
    return r2 / (1 + (1 + r2).sqrt())


START = (-4.0, 2.0)

# %% [markdown]
# ## Four ways to choose the rate
#
# Each run is plain gradient descent, θ ← θ − η_t·∇f(θ), with `tg.optim.GD`; only the rate η_t that we
# write into `optimizer.param_groups[0]["lr"]` before each step differs:
#
# - **constant, small** (η = 0.1): safe, but slow — far from the minimum each step moves at most 0.1·√5.
# - **constant, large** (η = 0.6): fast at first, then bounces across the valley, never converging.
# - **gradient-scaled** (η_t = η·‖∇f‖, η = 0.6): the course's dynamic rate. Steep ground gives big steps,
#   flat ground small ones, so the rate shrinks by itself as the gradient vanishes near the minimum: the
#   bouncing dies out. The price: the step then goes like ‖∇f‖², and the last stretch is a crawl. (Other
#   gradient-scaled rules make other trades: η/‖∇f‖, the *normalised* gradient, takes steps of fixed
#   length η, which crosses plateaus quickly but never shrinks near the minimum; η/(1 + ‖∇f‖) only tames
#   steep walls.)
# - **time-based decay** (η_t = η₀ / (1 + k·t), η₀ = 0.6, k = 0.05): large steps while far away, then the
#   rate falls below the stability limit 0.4 (after t = 10) and the bouncing stops; from there it converges
#   like a well-chosen constant rate.

# %%
RULES = {
    "constant η = 0.1": lambda t, grad_norm: 0.1,
    "constant η = 0.6": lambda t, grad_norm: 0.6,
    "gradient-scaled 0.6·‖g‖": lambda t, grad_norm: 0.6 * grad_norm,
    "decay 0.6 / (1 + 0.05·t)": lambda t, grad_norm: 0.6 / (1 + 0.05 * t),
}


def descend(rule, steps):
    """Gradient descent on f from START with η_t = rule(t, ‖g‖); returns (path, losses, rates)."""
    point = tg.tensor(START, dtype=tg.float64, requires_grad=True)
    optimizer = tg.optim.GD([point], lr=0.0)
    path, losses, rates = [point.tolist()], [], []
    for t in range(steps):
        optimizer.zero_grad()
        loss = f(point[0], point[1])
        loss.backward()
        optimizer.param_groups[0]["lr"] = rule(t, point.grad.norm().item())
        optimizer.step()
        path.append(point.tolist())
        losses.append(loss.item())
        rates.append(optimizer.param_groups[0]["lr"])
    losses.append(f(point[0], point[1]).item())
    return np.array(path), np.array(losses), np.array(rates)


runs = {name: descend(rule, steps) for name, rule in RULES.items()}
print(f"{'rule':26} {'loss at step 40':>16} {'final loss':>12} {'final η_t':>10}")
for name, (_, losses, rates) in runs.items():
    print(f"{name:26} {losses[40]:16.3e} {losses[-1]:12.3e} {rates[-1]:10.4f}")

small, large = runs["constant η = 0.1"][1], runs["constant η = 0.6"][1]
scaled, decay = runs["gradient-scaled 0.6·‖g‖"][1], runs["decay 0.6 / (1 + 0.05·t)"][1]
bouncing_y = runs["constant η = 0.6"][0][-10:, 1]
assert large[-10:].min() > 0.4, "a constant η above 0.4 never settles: its loss stays up"
assert np.all(np.sign(bouncing_y[1:]) != np.sign(bouncing_y[:-1])), "it bounces across the valley in y"
assert decay[-1] < 1e-6 and decay[-1] < 1e-3 * large[-1], "decay ends far below the bouncing constant rate"
assert small[40] > 100 * decay[40], "the small constant rate is much slower than decay"
assert scaled[-1] < 1e-2 * large[-1], "the gradient-scaled rate stops the bouncing"
assert decay[-1] < scaled[-1], "but it crawls at the end, where decay keeps converging"

# %% [markdown]
# In the figure: on the left, the paths on the contours of f (circle: start, star: end); in the middle, the
# loss against the step on a log scale; on the right, the rate each rule used. The large constant rate gets
# close to the minimum within ten steps — and is thrown out again: at the bottom, every step overshoots in y
# by more than the last, until the bounce settles into a zigzag across the valley (the vertical orange line)
# with the loss stuck at 0.5. The decay's rate falls below the dotted stability limit and its loss drops like
# a stone; the gradient-scaled rate collapses with the gradient, and so does its progress.

# %%
fig, axes = viz.subplots(1, 3, figsize=(17, 5))
viz.plot_contour(
    f,
    (-4.5, 1.5),
    (-1.5, 2.5),
    ax=axes[0],
    trajectories={name: path for name, (path, _, _) in runs.items()},
    log_levels=True,
    title="Gradient descent paths on √(1 + x² + 5y²) − 1",
)
axes[0].legend(fontsize="small", loc="upper right")
viz.plot_curves(
    {
        name: np.where(losses > 1e-16, losses, np.nan) for name, (_, losses, _) in runs.items()
    },  # end lines at 1e-16
    ax=axes[1],
    logy=True,
    title="Loss against step",
)
axes[1].set_ylim(1e-16, 10)
viz.plot_curves(
    {name: rates for name, (_, _, rates) in runs.items()},
    ax=axes[2],
    ylabel="learning rate η_t",
    logy=True,
    title="The rate each rule used",
)
axes[2].axhline(0.4, color="black", linestyle=":", linewidth=1, label="stability limit 2/5")
axes[2].legend(fontsize="small")
save(fig, "fixed_vs_dynamic")

# %% [markdown]
# ## Schedules: the rate as a function of the epoch
#
# Training code rarely writes η_t by hand: a *scheduler* from `tg.optim.lr_scheduler` wraps the optimizer and
# rewrites `param_groups[i]["lr"]` once per epoch, when you call `scheduler.step()` after the epoch's
# `optimizer.step()` calls (PyTorch's protocol and names). Each of the ten below drives the same small noisy
# problem — SGD on the loss ½‖w − 1 − ξ‖² for w in R⁵⁰, with fresh noise ξ ~ N(0, I) at each of 5 steps per
# epoch, like the noise of mini-batches — and we record the rate the optimizer actually used in each epoch.
# With η₀ = 0.1 and e the epoch:
#
# | schedule | rate in epoch e |
# |---|---|
# | StepLR(step_size, γ) | η₀·γ^⌊e / step_size⌋ |
# | MultiStepLR(milestones, γ) | η₀·γ^(number of milestones ≤ e) |
# | ExponentialLR(γ) | η₀·γᵉ |
# | CosineAnnealingLR(T_max, η_min) | η_min + (η₀ − η_min)·(1 + cos(π·e / T_max)) / 2 (SGDR) |
# | LinearLR(start, end, total) | η₀·(start + (end − start)·min(e, total) / total): a warm-up |
# | LambdaLR(λ) | η₀·λ(e), any function — here a triangular cycle (Smith 2017) |
# | InverseTimeLR(k) | η₀ / (1 + k·e), the time-based decay of part 1 |
# | InverseSqrtLR(k) | k·η₀ / √(e + 1) |
# | SequentialLR | one schedule, then another: here a linear warm-up, then cosine annealing |
# | ReduceLROnPlateau(factor, patience) | × `factor` when the loss has not improved for `patience` epochs |
#
# (SGDR: Loshchilov & Hutter 2017.) ReduceLROnPlateau is the only one that looks at the training:
# `scheduler.step(loss)` is fed the epoch's mean loss (w − 1)². The noise keeps the loss on a plateau whose
# height is proportional to the rate (about η/2 per coordinate here), so each cut of the rate brings the loss
# down to a lower plateau — which is why the cut helps. `min_lr` stops the cuts once the rate is so small
# that the loss barely moves in 5 epochs.

# %%
BASE_LR = 0.1
warmup = 10
lr_scheduler = tg.optim.lr_scheduler


def triangle(epoch, period=20):
    """A triangular cycle between 0.1 and 1 (cyclical learning rates, Smith 2017)."""
    return 0.1 + 0.9 * abs((epoch % period) / (period / 2) - 1)


SCHEDULES = {
    "StepLR(step_size=25, γ=0.5)": lambda opt: lr_scheduler.StepLR(opt, step_size=25, gamma=0.5),
    "MultiStepLR([30, 45, 55], γ=0.3)": lambda opt: lr_scheduler.MultiStepLR(opt, [30, 45, 55], gamma=0.3),
    "ExponentialLR(γ=0.96)": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.96),
    f"CosineAnnealingLR(T_max={epochs}, η_min=0.005)": lambda opt: lr_scheduler.CosineAnnealingLR(
        opt, T_max=epochs, eta_min=0.005
    ),
    "LinearLR(0.1 → 1 over 20)": lambda opt: lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=20),
    "LambdaLR(triangle)": lambda opt: lr_scheduler.LambdaLR(opt, triangle),
    "InverseTimeLR(decay_rate=0.1)": lambda opt: lr_scheduler.InverseTimeLR(opt, decay_rate=0.1),
    "InverseSqrtLR(k=1)": lambda opt: lr_scheduler.InverseSqrtLR(opt, k=1.0),
    f"SequentialLR(warm-up {warmup}, cosine)": lambda opt: lr_scheduler.SequentialLR(
        opt,
        [
            lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(opt, T_max=epochs - warmup),
        ],
        milestones=[warmup],
    ),
    "ReduceLROnPlateau(factor=0.5, patience=5)": lambda opt: lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=5, min_lr=0.005
    ),
}


def train(make_scheduler, epochs, steps_per_epoch=5, dims=50):
    """SGD on ½‖w − 1 − ξ‖² stepped by the scheduler; returns (rate used in each epoch, mean loss of each)."""
    rng = np.random.default_rng(1)  # the same noise for every schedule
    w = tg.full((dims,), 4.0, dtype=tg.float64, requires_grad=True)
    optimizer = tg.optim.SGD([w], lr=BASE_LR)
    scheduler = make_scheduler(optimizer)
    rates, epoch_losses = [], []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        losses = []
        for _ in range(steps_per_epoch):
            noise = tg.tensor(rng.normal(0, 1, dims))
            optimizer.zero_grad()
            loss = ((w - 1 - noise) ** 2).sum() / 2
            loss.backward()
            optimizer.step()
            losses.append(((w - 1) ** 2).mean().item())  # the noise-free loss, to watch the plateau
        epoch_losses.append(np.mean(losses))
        if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
            scheduler.step(epoch_losses[-1])
        else:
            scheduler.step()
    return np.array(rates), np.array(epoch_losses)


schedules = {name: train(make, epochs) for name, make in SCHEDULES.items()}

# %% [markdown]
# Each recorded sequence should follow its formula; we check a few epochs of each (the black crosses in the
# figure are the formula, the lines what the optimizer used). The figure groups the schedules by kind: step
# decays, smooth decays, warm-ups and cycles, and ReduceLROnPlateau with the loss it watched (grey lines:
# the epochs where it cut the rate).

# %%
cosine = lambda e, start, period, low: low + (start - low) * (1 + math.cos(math.pi * e / period)) / 2  # noqa: E731
FORMULAS = {
    "StepLR(step_size=25, γ=0.5)": lambda e: BASE_LR * 0.5 ** (e // 25),
    "MultiStepLR([30, 45, 55], γ=0.3)": lambda e: BASE_LR * 0.3 ** sum(e >= m for m in (30, 45, 55)),
    "ExponentialLR(γ=0.96)": lambda e: BASE_LR * 0.96**e,
    f"CosineAnnealingLR(T_max={epochs}, η_min=0.005)": lambda e: cosine(e, BASE_LR, epochs, 0.005),
    "LinearLR(0.1 → 1 over 20)": lambda e: BASE_LR * (0.1 + 0.9 * min(e, 20) / 20),
    "LambdaLR(triangle)": lambda e: BASE_LR * triangle(e),
    "InverseTimeLR(decay_rate=0.1)": lambda e: BASE_LR / (1 + 0.1 * e),
    "InverseSqrtLR(k=1)": lambda e: BASE_LR / math.sqrt(e + 1),
    f"SequentialLR(warm-up {warmup}, cosine)": lambda e: (
        BASE_LR * (0.1 + 0.9 * e / warmup) if e < warmup else cosine(e - warmup, BASE_LR, epochs - warmup, 0)
    ),
}
checkpoints = sorted({0, 7, 25, 33, epochs // 2, epochs - 1})
print(f"\n{'schedule':44}" + "".join(f"{f'e={e}':>9}" for e in checkpoints))
for name, (rates, _) in schedules.items():
    print(f"{name:44}" + "".join(f"{rates[e]:9.4f}" for e in checkpoints))
    if name in FORMULAS:
        for e in checkpoints:
            expected = FORMULAS[name](e)
            assert math.isclose(rates[e], expected, rel_tol=1e-9), (
                f"{name} at epoch {e}: {rates[e]} ≠ {expected}"
            )

plateau_rates, plateau_losses = schedules["ReduceLROnPlateau(factor=0.5, patience=5)"]
cuts = np.flatnonzero(plateau_rates[1:] < plateau_rates[:-1]) + 1  # the epochs that start with a lower rate
print(f"ReduceLROnPlateau cut the rate at epochs {cuts.tolist()}")
assert len(cuts) >= 2, "the plateauing loss should make ReduceLROnPlateau cut the rate more than once"
halved = np.maximum(0.5 * plateau_rates[cuts - 1], 0.005)
assert np.allclose(plateau_rates[cuts], halved), "each cut halves the rate, but not below min_lr = 0.005"
assert cuts[0] > 5, "no cut while the loss is still falling (patience = 5 epochs)"
assert plateau_losses[-10:].mean() < plateau_losses[cuts[0] - 5 : cuts[0]].mean() / 2, (
    "after the cuts, the loss settles on a lower plateau"
)

# %%
PANELS = {
    "Step decays": ["StepLR", "MultiStepLR"],
    "Smooth decays": ["ExponentialLR", "InverseTimeLR", "InverseSqrtLR", "CosineAnnealingLR"],
    "Warm-ups and cycles": ["LinearLR", "SequentialLR", "LambdaLR"],
}
epoch_axis = np.arange(epochs)
fig, axes = viz.subplots(2, 2, figsize=(13, 9))
for ax, (title, kinds) in zip(axes.flat, PANELS.items()):
    names = [name for name in schedules if name.split("(")[0] in kinds]
    for i, name in enumerate(names):
        color, _ = viz.style(i)
        ax.plot(epoch_axis, schedules[name][0], color=color, linewidth=2, label=name)
        ax.plot(checkpoints, [FORMULAS[name](e) for e in checkpoints], "x", color="black", markersize=7)
    ax.plot([], [], "kx", label="the formula, at the checked epochs")
    ax.set(title=title, xlabel="epoch", ylabel="learning rate", ylim=(0, 0.14))  # headroom for the legend
    ax.legend(fontsize="small", loc="upper right")

ax = axes[1, 1]  # ReduceLROnPlateau, with the loss it was fed on a second axis
ax.plot(epoch_axis, plateau_rates, color="C0", linewidth=2, label="ReduceLROnPlateau(factor=0.5, patience=5)")
for cut in cuts:
    ax.axvline(cut, color="0.8", linewidth=0.8, zorder=0)
ax.set(title="Following the loss: cut when it stops improving", xlabel="epoch", ylabel="learning rate")
ax.set_ylim(0, 0.14)
twin = ax.twinx()
twin.semilogy(epoch_axis, plateau_losses, color="C3", linewidth=1, label="loss fed to step() (right axis)")
twin.set_ylabel("epoch's mean loss (log scale)")
lines = ax.get_legend_handles_labels()
twin_lines = twin.get_legend_handles_labels()
ax.legend(lines[0] + twin_lines[0], lines[1] + twin_lines[1], fontsize="small", loc="upper right")
fig.suptitle("tg.optim.lr_scheduler: the rate SGD used in each epoch (η₀ = 0.1)")
save(fig, "schedulers")

# %% [markdown]
# ## More schedules: restarts, cycles, one cycle, and chains
#
# The rest of `tg.optim.lr_scheduler` (all of PyTorch's), traced for 100 steps without training, since they
# only depend on the step count. CyclicLR and OneCycleLR are stepped after every *batch*, and they also move
# the momentum — SGD's `momentum`, or β₁ of Adam's `betas` — opposite to the rate: when the rate is high the
# momentum is low, so the effective step η/(1 − β) does not explode.
#
# | schedule | rate at step t |
# |---|---|
# | MultiplicativeLR(λ) | η_(t−1)·λ(t): multiply the current rate each step |
# | ConstantLR(factor, total) | η₀·factor for t < total, then η₀ |
# | PolynomialLR(total, p) | η₀·(1 − min(t, total) / total)^p |
# | CosineAnnealingWarmRestarts(T₀, T_mult) | cosine from η₀ to η_min in T_i steps, again; T_i = T₀·T_multⁱ |
# | CyclicLR(base, max, up, mode) | a triangle from base to max; "triangular2": height halved each cycle |
# | OneCycleLR(max_lr, total) | up from max_lr/25 to max_lr in 30% of the steps, then down to max_lr/25/10⁴ |
# | ChainedScheduler([...]) | step several at once: their factors multiply |

# %%
more_steps = 100


def trace(make_scheduler, optimizer="SGD", steps=more_steps):
    """The rate and the momentum (SGD's momentum, Adam's β₁) at each step of a schedule."""
    w = tg.zeros(2, requires_grad=True)
    opt = (
        tg.optim.SGD([w], lr=BASE_LR, momentum=0.9) if optimizer == "SGD" else tg.optim.Adam([w], lr=BASE_LR)
    )
    scheduler = make_scheduler(opt)
    rates, momenta = [], []
    for _ in range(steps):
        group = opt.param_groups[0]
        rates.append(group["lr"])
        momenta.append(group["betas"][0] if "betas" in group else group["momentum"])
        opt.step()
        scheduler.step()
    return np.array(rates), np.array(momenta)


S = lr_scheduler
MORE = {
    "Simple factors": {
        "MultiplicativeLR(λ=0.97)": trace(lambda o: S.MultiplicativeLR(o, lambda t: 0.97)),
        "ConstantLR(factor=0.25, total_iters=20)": trace(
            lambda o: S.ConstantLR(o, factor=0.25, total_iters=20)
        ),
        "PolynomialLR(total_iters=80, power=2)": trace(
            lambda o: S.PolynomialLR(o, total_iters=80, power=2.0)
        ),
        "Chained[ConstantLR(0.25, 20), ExponentialLR(0.98)]": trace(
            lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.25, total_iters=20), S.ExponentialLR(o, 0.98)])
        ),
    },
    "Warm restarts (SGDR)": {
        "CosineAnnealingLR(T_max=100)": trace(lambda o: S.CosineAnnealingLR(o, T_max=100)),
        "CosineAnnealingWarmRestarts(T_0=10, T_mult=2)": trace(
            lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.005)
        ),
        "CosineAnnealingWarmRestarts(T_0=25)": trace(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=25)),
    },
    "CyclicLR (SGD; dashed: momentum, right axis)": {
        f"CyclicLR({mode})": trace(
            lambda o, mode=mode: S.CyclicLR(o, 0.01, 0.1, step_size_up=10, mode=mode, gamma=0.98)
        )
        for mode in ("triangular", "triangular2", "exp_range")
    },
    "OneCycleLR (Adam; dashed: β₁, right axis)": {
        "OneCycleLR(cos)": trace(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=more_steps), "Adam"),
        "OneCycleLR(linear)": trace(
            lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=more_steps, anneal_strategy="linear"), "Adam"
        ),
        "OneCycleLR(three_phase)": trace(
            lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=more_steps, three_phase=True), "Adam"
        ),
    },
}


def sgdr(t, starts, low):
    """SGDR's rate at step t, for periods that begin at ``starts`` (each one twice the last)."""
    begin = max(start for start in starts if start <= t)
    length = starts[1] * 2 ** starts.index(begin)
    return cosine(t - begin, BASE_LR, length, low)


# each trace against its formula, at a few steps
MORE_FORMULAS = {
    "MultiplicativeLR(λ=0.97)": lambda t: BASE_LR * 0.97**t,
    "ConstantLR(factor=0.25, total_iters=20)": lambda t: BASE_LR * (0.25 if t < 20 else 1.0),
    "PolynomialLR(total_iters=80, power=2)": lambda t: BASE_LR * (1 - min(t, 80) / 80) ** 2,
    "Chained[ConstantLR(0.25, 20), ExponentialLR(0.98)]": lambda t: (
        BASE_LR * (0.25 if t < 20 else 1) * 0.98**t
    ),
    "CosineAnnealingWarmRestarts(T_0=25)": lambda t: cosine(t % 25, BASE_LR, 25, 0),
    "CosineAnnealingWarmRestarts(T_0=10, T_mult=2)": lambda t: sgdr(t, starts=(0, 10, 30, 70), low=0.005),
    "CyclicLR(triangular)": lambda t: 0.01 + 0.09 * (1 - abs(t % 20 / 10 - 1)),
    "CyclicLR(triangular2)": lambda t: 0.01 + 0.09 * (1 - abs(t % 20 / 10 - 1)) / 2 ** (t // 20),
    "CyclicLR(exp_range)": lambda t: 0.01 + 0.09 * (1 - abs(t % 20 / 10 - 1)) * 0.98**t,
}
traces = {name: result for panel in MORE.values() for name, result in panel.items()}
for name, formula in MORE_FORMULAS.items():
    for t in (0, 5, 15, 20, 35, 50, 75, 99):
        assert math.isclose(traces[name][0][t], formula(t), rel_tol=1e-9, abs_tol=1e-15), (
            f"{name} at step {t}"
        )
for name in ("CyclicLR(triangular)", "OneCycleLR(cos)", "OneCycleLR(linear)", "OneCycleLR(three_phase)"):
    rates, momenta = traces[name]
    assert np.corrcoef(rates, momenta)[0, 1] < -0.99, f"{name}: momentum moves opposite to the rate"
one_cycle, beta1 = traces["OneCycleLR(cos)"]
assert int(np.argmax(one_cycle)) == 29 and math.isclose(one_cycle.max(), 0.1), (
    "the peak after 30% of the steps"
)
assert math.isclose(one_cycle[0], 0.1 / 25) and one_cycle[-1] < 1e-4, "from max_lr/25 down to almost nothing"
assert math.isclose(beta1.min(), 0.85) and math.isclose(beta1[0], 0.95), (
    "β₁ from 0.95 down to 0.85 at the peak"
)
restarts = np.flatnonzero(np.diff(traces["CosineAnnealingWarmRestarts(T_0=10, T_mult=2)"][0]) > 0) + 1
assert restarts.tolist() == [10, 30, 70], "restarts after periods of 10, 20 and 40 steps"

# %%
fig, axes = viz.subplots(2, 2, figsize=(14, 9))
for ax, (title, panel) in zip(axes.flat, MORE.items()):
    with_momentum = "right axis" in title
    twin = ax.twinx() if with_momentum else None
    for i, (name, (rates, momenta)) in enumerate(panel.items()):
        color, _ = viz.style(i)
        ax.plot(np.arange(more_steps), rates, color=color, linewidth=2, label=name)
        if with_momentum:
            twin.plot(np.arange(more_steps), momenta, "--", color=color, linewidth=1)
    ax.set(title=title, xlabel="step", ylabel="learning rate", ylim=(0, 0.2 if with_momentum else 0.14))
    ax.legend(fontsize="small", loc="upper right")
    if with_momentum:  # the momenta in the middle band: rates below, the legend above
        low = min(momenta.min() for _, momenta in panel.values())
        high = max(momenta.max() for _, momenta in panel.values())
        twin.set_ylim(low - 1.5 * (high - low), high + 0.9 * (high - low))
        twin.set_ylabel("momentum / β₁ (dashed)")
fig.suptitle("The rest of tg.optim.lr_scheduler, step by step (η₀ = 0.1)")
save(fig, "more_schedulers")

# %% [markdown]
# Reading the figure: MultiplicativeLR with a constant λ is ExponentialLR; ConstantLR is a warm-up that
# jumps instead of ramping; chaining it with an exponential decay multiplies the two. Warm restarts give the
# rate a fresh start every period — the periods doubling with T_mult = 2 — which lets training leave one basin
# and settle in another (Loshchilov & Hutter 2017). CyclicLR's three modes keep, halve or shrink the height of
# the triangle, and its momentum (dashed) moves the other way; OneCycleLR (Smith & Topin 2019) is one big
# cycle with Adam's β₁ mirrored, the recipe of "super-convergence".

# %% [markdown]
# What to take away: a constant rate is a compromise between speed far from the minimum and stability near
# it. Letting the rate change — with the gradient, with time, or with a schedule from
# `tg.optim.lr_scheduler` — removes the compromise: start large (or warm up to large), finish small.
