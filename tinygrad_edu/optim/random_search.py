"""``RandomSearch``: derivative-free optimization by probing random directions (Mania, Guy & Recht 2018).

Each step draws ``num_directions`` Gaussian directions δ (one array per parameter), measures the
loss on both sides of θ along each, L₊ = L(θ + σδ) and L₋ = L(θ − σδ), and moves against the
finite-difference estimate of the gradient:

    θ ← θ − α / (k·σ_R) · Σ (L₊ − L₋) δ

over the k best directions (the ones whose better side has the lowest loss; all of them when
``top_k`` is None), where σ_R is the standard deviation of the 2k losses used — so the step size
does not depend on the scale of the loss. This is the paper's "ARS V1-t" without state
normalization. No gradients are needed: the closure only has to return the loss.
"""

import math
import numbers

from ..autograd import no_grad
from .optimizer import Optimizer, Rule, hyperparameters, nonnegative


def random_search(param, directions, plus, minus, *, lr):
    """θ ← θ − α / (k·σ_R) · Σ (L₊ − L₋) δ over the k directions given (the best ones), σ_R the
    standard deviation of their 2k losses."""
    sigma = _std(plus + minus) or 1.0  # all losses equal: no step
    param -= (lr / (len(plus) * sigma)) * sum(
        (up - down) * delta for up, down, delta in zip(plus, minus, directions)
    )


def best_directions(plus, minus, top_k):
    """Indices of the ``top_k`` directions whose better side has the lowest loss (all when None)."""
    order = sorted(range(len(plus)), key=lambda i: min(plus[i], minus[i]))
    return order[: top_k or len(order)]


class RandomSearch(Optimizer):
    """Basic random search (Mania, Guy & Recht 2018): derivative-free; ``closure`` only returns the loss.

    Each step draws k₀ = ``num_directions`` Gaussian directions δ (an array per parameter) and
    measures the loss on both sides of θ along each, L₊ = L(θ + σδ) and L₋ = L(θ − σδ); then

        θ ← θ − α / (k·σ_R) · Σ (L₊ − L₋) δ

    summed over the k = ``top_k`` directions whose better side, min(L₊, L₋), is lowest (all k₀
    when ``top_k`` is None), where σ_R is the standard deviation of the 2k losses used. No backward
    is needed: the closure runs under ``no_grad`` and only returns the loss.

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: α, the step size. Default 0.02.
        std: σ, how far the probes go along each direction. Default 0.03.
        num_directions: k₀, the directions drawn per step (2k₀ + 1 evaluations). Default 8.
        top_k: k, how many of the best directions are used; None for all. Default None.

    Example:
        >>> opt = tg.optim.RandomSearch(model.parameters(), lr=0.02, std=0.03, num_directions=8)
        >>> loss = opt.step(lambda: loss_fn(model(x), y))     # 2·8 + 1 evaluations of the loss
    """

    rules = (
        nonnegative("lr"),
        Rule("std", lambda std, group: std > 0, "a number > 0"),
        Rule("num_directions", lambda n, group: _is_int(n) and n >= 1, "an int >= 1"),
        Rule(
            "top_k",
            lambda k, group: k is None or (_is_int(k) and 1 <= k <= group["num_directions"]),
            "None or in [1, {num_directions}]",
        ),
    )

    def __init__(self, params, lr=0.02, std=0.03, num_directions=8, top_k=None):
        super().__init__(params, hyperparameters(locals()))

    def check_hyperparameters(self, group):
        super().check_hyperparameters(group)
        for key in ("num_directions", "top_k"):  # one set of directions serves every group
            if group[key] != self.defaults.get(key, group[key]):
                raise ValueError(
                    f"RandomSearch: invalid {key} {group[key]!r} (must be the same in every group)"
                )

    def step(self, closure=None):
        """One random-search step; returns the loss at θ (before the step)."""
        if closure is None:
            raise RuntimeError("RandomSearch.step: pass a closure that returns the loss: opt.step(closure)")
        params = self.params_and_groups()
        with no_grad():
            loss = closure()
            origin = [param.data.copy() for param, _ in params]
            directions = [self._random_direction(params) for _ in range(self.defaults["num_directions"])]
            try:
                plus = [self._loss_at(params, origin, delta, +1, closure) for delta in directions]
                minus = [self._loss_at(params, origin, delta, -1, closure) for delta in directions]
            finally:
                for (param, _), theta in zip(params, origin):
                    param.data[...] = theta  # back to θ exactly (a copy, not θ + σδ − σδ)
            best = best_directions(plus, minus, self.defaults["top_k"])
            for j, (param, group) in enumerate(params):
                deltas = [directions[i][j] for i in best]
                random_search(
                    param.data, deltas, [plus[i] for i in best], [minus[i] for i in best], lr=group["lr"]
                )
                self.mark_modified(param)
        return loss

    def _random_direction(self, params):
        """One Gaussian direction: an array per parameter, from the parameter's backend generator."""
        return [
            param._backend().astype(param._backend().rng.standard_normal(param.shape), param.dtype)
            for param, _ in params
        ]

    def _loss_at(self, params, origin, delta, sign, closure):
        """The closure's loss at θ + sign·σ·δ (set from the saved θ, so nothing drifts)."""
        for (param, group), theta, d in zip(params, origin, delta):
            param.data[...] = theta + (sign * group["std"]) * d
            self.mark_modified(param)
        return float(closure())


def _std(values):
    """The population standard deviation of a list of numbers."""
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
