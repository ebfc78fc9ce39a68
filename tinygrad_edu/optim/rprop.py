"""``Rprop``: resilient backpropagation — only the gradient's sign is used (Riedmiller & Braun 1993)."""

from .optimizer import Optimizer, Rule, buffer_like, hyperparameters, nonnegative


def rprop(xp, param, grad, prev, step_size, *, etas, step_sizes, maximize):
    """One Rprop step on arrays (PyTorch's documented algorithm, the variant without weight backtracking).

    Per coordinate: if g·g_prev > 0, η ← min(η·η₊, η_max); if < 0, η ← max(η·η₋, η_min) and g ← 0
    (skip this step); θ ← θ − η·sign(g);  g_prev ← g
    """
    if maximize:
        grad = -grad
    etaminus, etaplus = etas
    agreement = grad * prev  # > 0: the same sign as last step; < 0: it flipped (overshot a minimum)
    flipped = agreement < 0
    factor = xp.ones_like(step_size)  # 1 where either gradient is 0
    factor[agreement > 0] = etaplus
    factor[flipped] = etaminus
    step_size *= factor
    xp.clip(step_size, step_sizes[0], step_sizes[1], out=step_size)
    grad = xp.where(flipped, 0.0, grad)  # after a flip: no step now, and no flip seen next time
    param -= xp.sign(grad) * step_size
    prev[...] = grad


class Rprop(Optimizer):
    """Rprop (Riedmiller & Braun 1993), as ``torch.optim.Rprop``: step sizes adapted from sign changes.

    Only the sign of the gradient is used. Per coordinate, with step size η (η₀ = lr) and the
    previous gradient g′ (g′₀ = 0):

        η ← min(η·η₊, η_max)  if g·g′ > 0        the same direction again: speed up
        η ← max(η·η₋, η_min)  if g·g′ < 0        the sign flipped (a minimum overshot): slow down,
              and g ← 0                          and skip this step
        θ ← θ − η·sign(g);   g′ ← g

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: η₀, the initial step size of every coordinate. Default 1e-2.
        etas: (η₋, η₊), the factors that shrink and grow a step, 0 < η₋ < 1 < η₊. Default (0.5, 1.2).
        step_sizes: (η_min, η_max), the bounds of a step size. Default (1e-6, 50).
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(rprop)
    rules = (
        nonnegative("lr"),
        Rule(
            "etas",
            lambda etas, group: 0 < etas[0] < 1 < etas[1],
            "(etaminus, etaplus), 0 < etaminus < 1 < etaplus",
        ),
        Rule("step_sizes", lambda sizes, group: 0 <= sizes[0] <= sizes[1], "(min, max), 0 <= min <= max"),
    )

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"step": 0, "prev": buffer_like(param), "step_size": buffer_like(param, group["lr"])}
