"""The Adam family: ``Adam``, ``AdamW``, ``Adamax`` and ``NAdam`` — momentum plus per-coordinate scaling."""

import math

from .optimizer import Optimizer, buffer_like, hyperparameters, in_interval, nonnegative
from .shared_steps import effective_gradient, running_mean_


def adam(
    xp,
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    max_exp_avg_sq=None,
    *,
    step,
    lr,
    betas,
    eps,
    weight_decay,
    amsgrad,
    maximize,
    decoupled_weight_decay,
):
    """One Adam step on arrays (Kingma & Ba 2015; PyTorch's documented algorithm).

    m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  (amsgrad, Reddi et al. 2018: v ← max(v_max, v));
    θ ← θ − γ/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
    """
    beta1, beta2 = betas
    grad = effective_gradient(param, grad, weight_decay, maximize, lr, decoupled_weight_decay)
    running_mean_(exp_avg, grad, beta1)
    running_mean_(exp_avg_sq, grad * grad, beta2)
    if amsgrad:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        exp_avg_sq = max_exp_avg_sq  # the largest second moment so far: step sizes never grow
    # The bias corrections (m and v start at 0) go into the scalars, as Kingma & Ba suggest (§2):
    # γ/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)  =  γ√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε√(1−β₂ᵗ))
    root_correction2 = math.sqrt(1 - beta2**step)
    denom = xp.sqrt(exp_avg_sq)
    denom += eps * root_correction2
    param -= (lr * root_correction2 / (1 - beta1**step)) * exp_avg / denom


def adamax(xp, param, grad, exp_avg, exp_inf, *, step, lr, betas, eps, weight_decay, maximize):
    """One Adamax step on arrays (Kingma & Ba 2015, §7.1: Adam with the infinity norm).

    m ← β₁m + (1−β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − γ/(1−β₁ᵗ) · m / u
    """
    beta1, beta2 = betas
    grad = effective_gradient(param, grad, weight_decay, maximize)
    running_mean_(exp_avg, grad, beta1)
    exp_inf *= beta2
    xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
    param -= (lr / (1 - beta1**step)) * exp_avg / exp_inf


def nadam(
    xp,
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    *,
    step,
    mu_product,
    lr,
    betas,
    eps,
    weight_decay,
    momentum_decay,
    decoupled_weight_decay,
    maximize,
):
    """One NAdam step on arrays (Dozat 2016; PyTorch's documented algorithm); returns the new μ-product.

    μₜ = β₁(1 − ½·0.96^(tψ));  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  v̂ = v/(1−β₂ᵗ);
    θ ← θ − γ(1−μₜ)/(1−Πᵢ≤ₜ μᵢ) · g/(√v̂ + ε) − γμₜ₊₁/(1−Πᵢ≤ₜ₊₁ μᵢ) · m/(√v̂ + ε)
    """
    beta1, beta2 = betas
    grad = effective_gradient(param, grad, weight_decay, maximize, lr, decoupled_weight_decay)
    mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay))  # the momentum schedule
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product *= mu
    running_mean_(exp_avg, grad, beta1)
    running_mean_(exp_avg_sq, grad * grad, beta2)
    # √v̂ + ε = (√v + ε√(1−β₂ᵗ)) / √(1−β₂ᵗ): the bias correction goes into the scalars, as in Adam
    root_correction2 = math.sqrt(1 - beta2**step)
    denom = xp.sqrt(exp_avg_sq)
    denom += eps * root_correction2
    scaled_lr = lr * root_correction2
    param -= (scaled_lr * (1 - mu) / (1 - mu_product)) * grad / denom  # Nesterov: today's gradient, ahead
    param -= (scaled_lr * mu_next / (1 - mu_product * mu_next)) * exp_avg / denom
    return {"mu_product": mu_product}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam``: momentum scaled by the RMS of past gradients.

    For each parameter θ with gradient g, at step t = 1, 2, ... (m₀ = v₀ = 0):

        g ← g + λθ                          (weight decay λ, an L2 penalty in the gradient)
        θ ← θ(1 − γλ)                       instead, if decoupled_weight_decay (AdamW)
        m ← β₁m + (1 − β₁)g                 first moment: a running mean of g
        v ← β₂v + (1 − β₂)g²                second moment: a running mean of g²
        v ← max(v_max, v)                   if amsgrad (Reddi et al. 2018): steps never grow
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)     bias corrections (m and v start at 0)
        θ ← θ − γ · m̂ / (√v̂ + ε)

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 1e-3.
        betas: (β₁, β₂), the decay rates of the two running means. Default (0.9, 0.999).
        eps: ε, added to the denominator for numerical stability. Default 1e-8.
        weight_decay: λ, the weight decay. Default 0.
        amsgrad: divide by the largest second moment seen so far. Default False.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
        decoupled_weight_decay: decay θ directly instead of through the gradient (AdamW). Default False.
    """

    update = staticmethod(adam)
    rules = (nonnegative("lr", "eps", "weight_decay"), in_interval("betas", 0, 1, pairwise=True))

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        state = {"step": 0, "exp_avg": buffer_like(param), "exp_avg_sq": buffer_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = buffer_like(param)
        return state


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    For each parameter θ with gradient g, at step t = 1, 2, ... (m₀ = v₀ = 0):

        θ ← θ(1 − γλ)                       decay θ directly, outside the adaptive scaling
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²                (v ← max(v_max, v) if amsgrad)
        θ ← θ − γ · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)

    Folding the decay into g, as ``Adam(weight_decay=λ)`` does, lets Adam's per-coordinate scaling
    shrink it where gradients are large; decoupling keeps it a plain shrinkage of θ.

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 1e-3.
        betas: (β₁, β₂), the decay rates of the two running means. Default (0.9, 0.999).
        eps: ε, added to the denominator for numerical stability. Default 1e-8.
        weight_decay: λ, the decoupled weight decay. Default 1e-2.
        amsgrad: divide by the largest second moment seen so far. Default False.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
    ):
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, §7.1), as ``torch.optim.Adamax``: Adam with the infinity norm.

    For each parameter θ with gradient g, at step t = 1, 2, ... (m₀ = u₀ = 0):

        g ← g + λθ                          (weight decay λ)
        m ← β₁m + (1 − β₁)g
        u ← max(β₂u, |g| + ε)               a decaying maximum of |g|, in place of √v
        θ ← θ − γ/(1 − β₁ᵗ) · m / u

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 2e-3.
        betas: (β₁, β₂), the decay rates of m and u. Default (0.9, 0.999).
        eps: ε, keeps u away from 0. Default 1e-8.
        weight_decay: λ, the L2 penalty added to the gradient. Default 0.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(adamax)
    rules = Adam.rules

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"step": 0, "exp_avg": buffer_like(param), "exp_inf": buffer_like(param)}


class NAdam(Optimizer):
    """NAdam (Dozat 2016), as ``torch.optim.NAdam``: Adam with Nesterov momentum, warming up.

    For each parameter θ with gradient g, at step t = 1, 2, ... (m₀ = v₀ = 0, ψ the momentum decay):

        g ← g + λθ   (or θ ← θ(1 − γλ) if decoupled_weight_decay)
        μₜ = β₁(1 − ½·0.96^(tψ))            the momentum schedule
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   v̂ = v / (1 − β₂ᵗ)
        θ ← θ − γ(1 − μₜ)/(1 − Π_{i≤t} μᵢ) · g/(√v̂ + ε) − γμₜ₊₁/(1 − Π_{i≤t+1} μᵢ) · m/(√v̂ + ε)

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 2e-3.
        betas: (β₁, β₂), the decay rates of the two running means. Default (0.9, 0.999).
        eps: ε, added to the denominator for numerical stability. Default 1e-8.
        weight_decay: λ, the weight decay. Default 0.
        momentum_decay: ψ, how fast μₜ warms up to β₁. Default 4e-3.
        decoupled_weight_decay: decay θ directly, as AdamW. Default False.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(nadam)
    rules = (*Adam.rules, nonnegative("momentum_decay"))

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        maximize=False,
    ):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"step": 0, "mu_product": 1.0, "exp_avg": buffer_like(param), "exp_avg_sq": buffer_like(param)}
