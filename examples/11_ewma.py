"""Tutorial 11: Exponentially weighted averages

An exponentially weighted moving average smooths a noisy sequence over about 1/(1 − β) recent values, needs
a bias correction at the start, and is exactly what Momentum's velocity and Adam's first moment compute.

Run:  python examples/11_ewma.py [--quick]   or   tinygrad-edu lab 11
"""

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("11_ewma")  # PNGs go to lab_figures/11_ewma/

days = 200 if QUICK else 365  # length of the noisy sequence
steps = 60 if QUICK else 200  # optimizer steps fed with it
BETAS = (0.5, 0.9, 0.98)
tg.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## A noisy sequence
#
# A year of made-up daily temperatures: a seasonal sine wave (15 °C on average, ±10 °C over the year) plus
# day-to-day noise of 3 °C. We want the trend without the noise, and we want it *online*: each day, from
# the days seen so far, with one number of memory.

# %%
t = np.arange(1, days + 1)
season = 15 + 10 * np.sin(2 * np.pi * t / 365)
theta = season + rng.normal(0, 3, days)
print(f"{days} days, first five: {np.round(theta[:5], 1)}")

# %% [markdown]
# ## The exponentially weighted moving average
#
#     v₀ = 0,   v_t = β·v_{t−1} + (1 − β)·θ_t
#
# Unrolled, v_t = (1 − β)·(θ_t + β·θ_{t−1} + β²·θ_{t−2} + …): every past value counts, with a weight that
# decays by β per day. The weights fall to 1/e after about 1/(1 − β) days, so that is the *effective
# window*: β = 0.5 averages about 2 days, β = 0.9 about 10, β = 0.98 about 50. A longer window averages
# away more noise, but it also reacts later: the average trails the trend — on a straight-line trend by
# exactly β/(1 − β) days, on a curved one like the seasons' by somewhat less.
#
# The average starts at v₀ = 0, so its first values are dragged towards 0: v₁ = (1 − β)·θ₁, only 2% of θ₁
# for β = 0.98. The weights of v_t add up to 1 − βᵗ, not 1, and dividing by them fixes that:
#
#     bias-corrected:  v̂_t = v_t / (1 − βᵗ)
#
# (Kingma & Ba 2015, §3). The correction matters only at the start: βᵗ → 0 as t grows.


# %%
def ewma(values, beta):
    """(v, v̂): the EWMA v_t = β·v_{t−1} + (1 − β)·θ_t from v₀ = 0, and its bias-corrected v_t / (1 − βᵗ)."""
    averages, average = [], 0.0
    for value in values:
        average = beta * average + (1 - beta) * value
        averages.append(average)
    averages = np.array(averages)
    return averages, averages / (1 - beta ** np.arange(1, len(values) + 1))


smoothed = {beta: ewma(theta, beta) for beta in BETAS}

# %%
fig, ax = viz.subplots(figsize=(11, 5))
ax.plot(t, theta, ".", color="0.6", markersize=4, label="raw θ_t")
ax.plot(t, season, ":", color="black", linewidth=1, label="seasonal trend (unknown to the average)")
for i, beta in enumerate(BETAS):
    color, _ = viz.style(i)
    ax.plot(
        t,
        smoothed[beta][0],
        color=color,
        linewidth=2,
        label=f"EWMA β = {beta} (window ≈ {1 / (1 - beta):.0f} days)",
    )
ax.set(xlabel="day t", ylabel="temperature (°C)", title="EWMA: larger β is smoother, lags more, starts lower")
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "ewma_betas")

# %% [markdown]
# In the figure: β = 0.5 follows every wiggle of the noise; β = 0.98 is smooth but trails the trend by
# weeks (look where its peak is) and starts at 0. The numbers say the same. *Roughness* is the standard
# deviation of the day-to-day changes of the average; *lag* is the shift that best lines the average up
# with the seasonal trend.


# %%
def roughness(curve, skip):
    """Standard deviation of the day-to-day changes, after the first ``skip`` days."""
    return np.std(np.diff(curve[skip:]))


def lag(curve, reference, skip, max_shift=80):
    """The shift s (days) that minimises the mean of (curve_t − reference_{t−s})² over t ≥ skip."""
    errors = [
        np.mean((curve[skip:] - reference[skip - s : len(reference) - s]) ** 2) for s in range(max_shift)
    ]
    return int(np.argmin(errors))


skip = 100  # judge after the start-up, where every β has forgotten v₀ = 0
print(f"\n{'β':>5} {'window':>7} {'roughness':>10} {'lag (days)':>11} {'lag on a line':>14}")
print(f"{'raw':>5} {1:7d} {roughness(theta, skip):10.3f} {0:11d}")
rough, lags = {}, {}
for beta in BETAS:
    corrected = smoothed[beta][1]
    rough[beta], lags[beta] = roughness(corrected, skip), lag(corrected, season, skip)
    print(f"{beta:5} {1 / (1 - beta):7.0f} {rough[beta]:10.3f} {lags[beta]:11d} {beta / (1 - beta):14.1f}")

assert roughness(theta, skip) > rough[0.5] > rough[0.9] > rough[0.98], "larger β must be smoother"
assert lags[0.5] <= lags[0.9] < lags[0.98], "larger β must lag more"
assert lags[0.98] >= 20, f"β = 0.98 should trail the trend by weeks, got {lags[0.98]} days"

# %% [markdown]
# ## Where the weights go
#
# The weight of the value k days ago in v_t is (1 − β)·βᵏ. The figure shows them for each β, with the
# effective window 1/(1 − β) marked: the weights inside it add up to 1 − β^(1/(1−β)), which tends to
# 1 − 1/e ≈ 63% as β → 1 (75% for β = 0.5) — that is what makes 1/(1 − β) a fair "window".

# %%
ago = np.arange(0, 121)
fig, ax = viz.subplots(figsize=(8, 4.5))
for i, beta in enumerate(BETAS):
    color, _ = viz.style(i)
    window = 1 / (1 - beta)
    inside = 1 - beta**window
    ax.plot(
        ago,
        (1 - beta) * beta**ago,
        color=color,
        label=f"β = {beta}: {inside:.0%} of the weight in {window:.0f} days",
    )
    ax.axvline(window, color=color, linestyle="--", linewidth=1)
    if beta >= 0.9:
        assert abs(inside - (1 - np.exp(-1))) < 0.03, "about 63% of the weight lies inside the window"
ax.set_yscale("log")
ax.set(
    xlabel="days ago (k)",
    ylabel="weight (1 − β)·βᵏ",
    ylim=(1e-6, 1),
    title="Each past value's weight in the EWMA (dashed: the window 1/(1 − β))",
)
ax.legend(fontsize="small")
save(fig, "weights")

# %% [markdown]
# ## Bias correction at the start
#
# The first weeks, zoomed in. The uncorrected averages start near 0 and need about one window to catch up
# with the data (β = 0.98 is still far below after a month). The corrected ones start right on the data:
# v̂₁ = θ₁ exactly, because v₁ = (1 − β)·θ₁ and 1 − β¹ = 1 − β.

# %%
first = 40
fig, ax = viz.subplots(figsize=(8, 4.5))
ax.plot(t[:first], theta[:first], "o", color="0.6", markersize=4, label="raw θ_t")
for i, beta in enumerate(BETAS[1:], start=1):
    color, _ = viz.style(i)
    plain, corrected = smoothed[beta]
    ax.plot(t[:first], plain[:first], "--", color=color, label=f"β = {beta}, uncorrected v_t")
    ax.plot(
        t[:first],
        corrected[:first],
        "-",
        color=color,
        linewidth=2,
        label=f"β = {beta}, corrected v_t / (1 − βᵗ)",
    )
ax.set(
    xlabel="day t",
    ylabel="temperature (°C)",
    title="The first weeks: bias correction removes the pull towards v₀ = 0",
)
ax.legend(fontsize="small", loc="lower right")
save(fig, "bias_correction")

start_error = {beta: np.mean(np.abs(smoothed[beta][0][:10] - theta[:10])) for beta in BETAS}
start_error_corrected = {beta: np.mean(np.abs(smoothed[beta][1][:10] - theta[:10])) for beta in BETAS}
print(
    f"\nfirst 10 days, β = 0.98, mean |average − θ|: uncorrected {start_error[0.98]:.1f} °C, "
    f"corrected {start_error_corrected[0.98]:.1f} °C"
)
for beta in BETAS:
    assert np.isclose(smoothed[beta][1][0], theta[0]), "the corrected average starts exactly at θ₁"
assert smoothed[0.98][0][0] < 0.05 * theta[0], "the uncorrected β = 0.98 average starts near 0"
assert start_error_corrected[0.98] < 4, "the corrected average starts close to the data"
assert start_error[0.98] > 3 * start_error_corrected[0.98], "the uncorrected one starts far below it"

# %% [markdown]
# ## The optimizers' averages are these averages
#
# Momentum and Adam smooth the *gradients* with exactly this formula. The course's Momentum
# (`tg.optim.Momentum`) keeps a velocity V ← β·V + (1 − β)·g and steps θ ← θ − α·V: V is the uncorrected
# EWMA of the gradients. Adam keeps two: m ← β₁·m + (1 − β₁)·g and v ← β₂·v + (1 − β₂)·g², and steps
# with the *bias-corrected* ones, θ ← θ − α·m̂ / (√v̂ + ε), with m̂ = m / (1 − β₁ᵗ) and v̂ = v / (1 − β₂ᵗ).
#
# To check it, we feed the temperature sequence to the optimizers as if it were a sequence of gradients: the
# loss θ·g_t has the gradient g_t, so `backward()` delivers exactly the value we choose. Then we read the
# optimizer's state and the change of the parameter, and compare with `ewma` above.

# %%
gradients = theta[:steps]
beta, lr = 0.9, 0.01


def feed(optimizer, parameter, values, state_key):
    """Step ``optimizer`` with the gradients ``values`` (from the loss θ·g); return the parameter and
    ``optimizer.state[parameter][state_key]`` after each step."""
    params, states = [], []
    for g in values:
        optimizer.zero_grad()
        (parameter * g).sum().backward()  # d(θ·g)/dθ = g
        optimizer.step()
        params.append(parameter.item())
        states.append(optimizer.state[parameter][state_key].item())
    return np.array(params), np.array(states)


momentum_param = tg.zeros(1, dtype=tg.float64, requires_grad=True)
momentum = tg.optim.Momentum([momentum_param], lr=lr, beta=beta)
momentum_path, velocities = feed(momentum, momentum_param, gradients, "velocity")

adam_param = tg.zeros(1, dtype=tg.float64, requires_grad=True)
adam = tg.optim.Adam([adam_param], lr=lr, betas=(beta, 0.999))
adam_path, adam_m = feed(adam, adam_param, gradients, "exp_avg")
adam_m_hat = adam_m / (1 - beta ** np.arange(1, steps + 1))  # Adam's own bias correction of its m

ewma_g, ewma_g_corrected = ewma(gradients, beta)
_, ewma_g2_corrected = ewma(gradients**2, 0.999)


def steps_taken(path):
    """θ_{t−1} − θ_t for every step, from θ₀ = 0."""
    return -np.diff(np.concatenate([[0.0], path]))


print(f"\nmax |Momentum's velocity − EWMA(β = {beta})|:      {np.max(np.abs(velocities - ewma_g)):.1e}")
print(f"max |Adam's m / (1 − β₁ᵗ) − corrected EWMA|:  {np.max(np.abs(adam_m_hat - ewma_g_corrected)):.1e}")
assert np.allclose(velocities, ewma_g, rtol=1e-12), "Momentum's velocity is the EWMA of the gradients"
assert np.allclose(steps_taken(momentum_path), lr * ewma_g, rtol=1e-9), "Momentum steps by α·V"
assert np.allclose(adam_m, ewma_g, rtol=1e-12), "Adam's m is the (uncorrected) EWMA of the gradients"
expected_steps = lr * ewma_g_corrected / (np.sqrt(ewma_g2_corrected) + 1e-8)
assert np.allclose(steps_taken(adam_path), expected_steps, rtol=1e-9), "Adam steps by α·m̂/(√v̂ + ε)"

# %% [markdown]
# The figure overlays them: the lines are our `ewma`, the markers what the optimizers hold. Momentum's
# velocity sits on the uncorrected average (and so starts near 0: Momentum's first steps are small);
# Adam's m, divided by 1 − β₁ᵗ, sits on the corrected average, which starts on the first gradient. (The
# asserts above also check the steps: θ moves by α·V for Momentum and by α·m̂ / (√v̂ + ε) for Adam.)

# %%
shown = min(steps, 60)
k = np.arange(1, shown + 1)
fig, ax = viz.subplots(figsize=(8, 4.5))
ax.plot(k, gradients[:shown], ".", color="0.6", markersize=5, label="gradient g_t (fed in)")
ax.plot(k, ewma_g[:shown], color="C0", label=f"EWMA β = {beta}, uncorrected")
ax.plot(k, ewma_g_corrected[:shown], color="C1", label=f"EWMA β = {beta}, bias-corrected")
ax.plot(
    k[::2], velocities[:shown:2], "s", color="C0", markerfacecolor="none", label="Momentum: state['velocity']"
)
ax.plot(
    k[1::2],
    adam_m_hat[1:shown:2],
    "^",
    color="C1",
    markerfacecolor="none",
    label="Adam: state['exp_avg'] / (1 − β₁ᵗ)",
)
ax.set(xlabel="step t", ylabel="value", title="Momentum's velocity and Adam's m̂ are EWMAs of the gradients")
ax.legend(fontsize="small", loc="lower right")
save(fig, "optimizers")

# %% [markdown]
# What to take away: v_t = β·v_{t−1} + (1 − β)·θ_t is a one-number running average over about 1/(1 − β)
# recent values. Larger β trades noise for lag; dividing by 1 − βᵗ removes the pull of v₀ = 0 in the first
# steps. Momentum is this average of the gradients, and Adam is two of them, bias-corrected.
