"""Learning-rate schedules: change each group's ``lr`` as training goes on, with PyTorch's semantics.

A scheduler wraps an optimizer. Creating it records each group's starting rate as
``group["initial_lr"]`` (``base_lrs``) and sets the rate for epoch 0; each ``scheduler.step()`` —
called *after* ``optimizer.step()`` — advances ``last_epoch`` by one and writes the new rate into
``group["lr"]``::

    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(opt)
        sched.step()            # lr: 0.1 for epochs 0–29, 0.01 for 30–59, ...

Each schedule's docstring gives its formula (``_closed_form_lr``). Like PyTorch's, the built-in
ones update the *current* rate by the ratio between consecutive epochs (``get_lr``), so two
schedulers on one optimizer compose, and a rate changed by hand carries on from its new value.
"""

import math
import numbers
from bisect import bisect_right

from ..jit import tape
from .optimizer import Optimizer


class LRScheduler:
    """Base class of schedulers: ``step()``, ``get_last_lr()``, ``last_epoch``, ``state_dict()``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr'; resuming with "
                    f"last_epoch={last_epoch} needs the optimizer's state loaded first"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def get_lr(self):
        """The rates for ``last_epoch`` (each schedule defines it)."""
        raise NotImplementedError(f"{type(self).__name__} defines no get_lr")  # abstract

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        tape.replay_steps_whole(cls)  # tg.compile replays a schedule's step whole

    @tape.replayed_whole
    def step(self):
        """Advance one epoch and set each group's rate; call it after ``optimizer.step()``."""
        self._step_count += 1
        self.last_epoch += 1
        self._apply(self.get_lr())

    def get_last_lr(self):
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    # attributes left out of ``state_dict()``: the optimizer (saved on its own) and user functions
    _not_saved = ("optimizer", "lr_lambdas")

    def state_dict(self):
        """Everything but the optimizer (and functions), to resume the schedule."""
        return {key: value for key, value in self.__dict__.items() if key not in self._not_saved}

    def load_state_dict(self, state_dict):
        """Resume from a ``state_dict()``."""
        self.__dict__.update(state_dict)

    # ---- helpers --------------------------------------------------------------------------------------

    def _initial_step(self):
        """The step made on construction: sets the rates of epoch ``last_epoch + 1`` (0 for a new run)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _restart(self):
        """Jump to epoch 0 and set the closed-form rates there (``SequentialLR`` at a milestone)."""
        self.last_epoch = 0
        closed_form = getattr(self, "_closed_form_lr", None)
        self._apply(closed_form() if closed_form else self.get_lr())

    def _apply(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def _check(self, ok, what, value, rule):
        if not ok:
            raise ValueError(f"{type(self).__name__}: invalid {what} {value!r} ({rule})")

    def _check_count(self, what, value):
        """``value`` counts epochs or steps: an int >= 1, or a ValueError naming ``what``."""
        self._check(_is_int(value) and value >= 1, what, value, "must be an int >= 1")


_LRScheduler = LRScheduler  # PyTorch's older name


class _Composite(LRScheduler):
    """A scheduler made of schedulers (``self._schedulers``): saves and restores them with itself."""

    def state_dict(self):
        """Its own state and each scheduler's, under ``"_schedulers"``."""
        state = {
            key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Resume it and its schedulers."""
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        self.__dict__.update(state)


class LambdaLR(LRScheduler):
    """lr = base_lr · lr_lambda(epoch), with one function, or one per parameter group.

    >>> sched = LambdaLR(opt, lambda epoch: 0.95 ** epoch)

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        lr_lambda: a function of the epoch that returns the factor, or a list of them, one per parameter
            group.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _one_per_group("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * f(self.last_epoch) for f, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LRScheduler):
    """lr_epoch = lr_(epoch−1) · lr_lambda(epoch) for epoch ≥ 1: multiply the current rate each epoch.

    >>> sched = MultiplicativeLR(opt, lambda epoch: 0.95)     # the same as ExponentialLR(opt, 0.95)

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        lr_lambda: a function of the epoch giving the factor for that epoch, or a list of them, one
            per parameter group.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _one_per_group("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._current_lrs())]


class StepLR(LRScheduler):
    """lr = base_lr · gamma^⌊epoch / step_size⌋: multiply by ``gamma`` every ``step_size`` epochs.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        step_size: the period of the decay, in epochs (an int ≥ 1).
        gamma: γ, the factor applied at each decay. Default 0.1.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self._check_count("step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = base_lr · gamma^(number of milestones ≤ epoch): decay at the listed epochs.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        milestones: the epochs, increasing, at which the rate is multiplied by γ.
        gamma: γ, the factor applied at each decay. Default 0.1.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        hits = self.milestones.count(self.last_epoch)  # a milestone listed twice decays twice
        if not hits:
            return self._current_lrs()
        return [lr * self.gamma**hits for lr in self._current_lrs()]

    def _closed_form_lr(self):
        return [
            base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch)
            for base_lr in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """lr = base_lr · gamma^epoch.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        gamma: γ, the factor applied at every epoch.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lr(self):
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = base_lr · factor while epoch < total_iters, then base_lr: a constant warm-up at a reduced rate.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        factor: the reduced rate's fraction of base_lr, in [0, 1]. Default 1/3.
        total_iters: how many epochs the rate stays reduced. Default 5.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        self._check(_is_number(factor) and 0 <= factor <= 1, "factor", factor, "must be in [0, 1]")
        self._check(
            _is_int(total_iters) and total_iters >= 0, "total_iters", total_iters, "must be an int >= 0"
        )
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]  # the warm-up is over

    def _closed_form_lr(self):
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base_lr * factor for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (start + (end − start) · min(epoch, total_iters) / total_iters): a linear warm-up.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        start_factor: s, the factor at epoch 0. Default 1/3.
        end_factor: e, the factor from epoch ``total_iters`` on. Default 1.0.
        total_iters: T, the number of epochs the ramp lasts. Default 5.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self._check(0 < start_factor <= 1, "start_factor", start_factor, "must be in (0, 1]")
        self._check(0 <= end_factor <= 1, "end_factor", end_factor, "must be in [0, 1]")
        self._check_count("total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # factor(e) / factor(e−1), with factor(e) = start + (end − start)·e / total
        slope = self.end_factor - self.start_factor
        ratio = 1 + slope / (self.total_iters * self.start_factor + (self.last_epoch - 1) * slope)
        return [lr * ratio for lr in self._current_lrs()]

    def _closed_form_lr(self):
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base_lr * factor for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = base_lr · (1 − min(epoch, total_iters) / total_iters)^power: a polynomial decay to 0.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        total_iters: the epochs the decay takes (then the rate stays 0). Default 5.
        power: the exponent of the polynomial (1: a straight line). Default 1.0.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self._check_count("total_iters", total_iters)
        self._check(_is_number(power), "power", power, "must be a number")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # factor(e) / factor(e−1), with factor(e) = (1 − e / total)^power
        remaining = 1.0 - self.last_epoch / self.total_iters
        before = 1.0 - (self.last_epoch - 1) / self.total_iters
        ratio = (remaining / before) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def _closed_form_lr(self):
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * remaining**self.power for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2.

    Cosine annealing, from SGDR (Loshchilov & Hutter 2017); past ``T_max`` it rises again, as PyTorch's does.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        T_max: the number of epochs from base_lr down to eta_min (half a cosine period).
        eta_min: the lowest rate, reached at epoch T_max. Default 0.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self._check_count("T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and epoch > 0:  # resumed mid-schedule: start from the formula
            return self._closed_form_lr()
        if (epoch - 1 - period) % (2 * period) == 0:  # leaving the bottom, where the ratio below is 0/0
            rise = (1 - math.cos(math.pi / period)) / 2
            return [lr + (base_lr - low) * rise for lr, base_lr in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
        return [low + (lr - low) * ratio for lr in self._current_lrs()]

    def _closed_form_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = eta_min + (base_lr − eta_min) · (1 + cos(π · T_cur / T_i)) / 2, restarting at base_lr.

    SGDR (Loshchilov & Hutter 2017): ``T_cur`` counts the epochs since the last restart; after
    ``T_i`` epochs it returns to 0 and the next period is ``T_i · T_mult`` long (``T_0`` the first).
    ``step(epoch)`` also takes a fractional epoch, to restart in the middle of an epoch::

        for epoch in range(20):
            for i, batch in enumerate(loader):
                ...
                sched.step(epoch + i / len(loader))

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        T_0: the length of the first period, in epochs (an int ≥ 1).
        T_mult: each period is ``T_mult`` times longer than the one before (an int ≥ 1). Default 1.
        eta_min: the lowest rate, reached at the end of each period. Default 0.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self._check_count("T_0", T_0)
        self._check_count("T_mult", T_mult)
        self._check(_is_number(eta_min), "eta_min", eta_min, "must be a number")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or jump to ``epoch`` (a number ≥ 0, fractions allowed)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:  # one more epoch: restart when the period is over
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            self._check(_is_number(epoch) and epoch >= 0, "epoch", epoch, "must be a number >= 0")
            self.T_cur, self.T_i = self._position(epoch)
        self.last_epoch = math.floor(epoch)
        self._apply(self.get_lr())

    def _position(self, epoch):
        """(T_cur, T_i) at ``epoch``: the periods T_0, T_0·m, T_0·m², ... end at T_0·(mⁿ − 1)/(m − 1)."""
        if epoch < self.T_0:
            return epoch, self.T_0
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        m = self.T_mult
        n = int(math.log(epoch / self.T_0 * (m - 1) + 1, m))  # the number of finished periods
        return epoch - self.T_0 * (m**n - 1) / (m - 1), self.T_0 * m**n


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith 2017): the rate climbs from ``base_lr`` to ``max_lr`` in
    ``step_size_up`` steps and falls back in ``step_size_down``; step it after every *batch*.

    With t = ``last_epoch``, period P = step_size_up + step_size_down and r = step_size_up / P:

        cycle = ⌊1 + t / P⌋,  x = 1 + t / P − cycle  (the position in the cycle, 0..1)
        h = x / r if x ≤ r else (x − 1) / (r − 1)  (0 → 1 → 0: the triangle)
        lr = base_lr + (max_lr − base_lr) · h · scale
        momentum = max_momentum − (max_momentum − base_momentum) · h · scale

    ``mode``: "triangular" (scale = 1), "triangular2" (scale = 1 / 2^(cycle−1): the height halves
    every cycle) or "exp_range" (scale = gamma^t); or a custom ``scale_fn`` of the cycle number
    (``scale_mode="cycle"``) or of t (``"iterations"``). With ``cycle_momentum`` the momentum (SGD's
    ``momentum``, or β₁ of Adam's ``betas``) moves opposite to the rate.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        base_lr: the rate at the bottom of the cycle (a number, or one per group).
        max_lr: the rate at the top of the cycle (a number, or one per group).
        step_size_up: steps from the bottom to the top. Default 2000.
        step_size_down: steps from the top back down; None (default) means ``step_size_up``.
        mode: "triangular" (default), "triangular2" or "exp_range" (the scale above).
        gamma: the base of "exp_range"'s scale gamma^t. Default 1.0.
        scale_fn: a custom scale, a function of the cycle or of t (overrides ``mode``).
        scale_mode: "cycle" (default) or "iterations": what ``scale_fn`` receives.
        cycle_momentum: move the momentum opposite to the rate. Default True.
        base_momentum: the momentum at the top of the rate's cycle. Default 0.8.
        max_momentum: the momentum at the bottom of the rate's cycle. Default 0.9.
        last_epoch: the last step done, to resume; −1 (default) starts afresh.
    """

    _not_saved = ("optimizer", "scale_fn_custom")

    def __init__(
        self,
        optimizer,
        base_lr,
        max_lr,
        step_size_up=2000,
        step_size_down=None,
        mode="triangular",
        gamma=1.0,
        scale_fn=None,
        scale_mode="cycle",
        cycle_momentum=True,
        base_momentum=0.8,
        max_momentum=0.9,
        last_epoch=-1,
    ):
        _check_optimizer("CyclicLR", optimizer)
        base_lrs = _per_group("CyclicLR", "base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR", "max_lr", optimizer, max_lr)
        self._check(
            _is_number(step_size_up) and step_size_up > 0, "step_size_up", step_size_up, "must be > 0"
        )
        step_size_down = step_size_up if step_size_down is None else step_size_down
        self._check(
            _is_number(step_size_down) and step_size_down > 0, "step_size_down", step_size_down, "must be > 0"
        )
        self.total_size = float(step_size_up + step_size_down)
        self.step_ratio = step_size_up / self.total_size
        if scale_fn is None:
            modes = ("triangular", "triangular2", "exp_range")
            self._check(mode in modes, "mode", mode, f"must be one of {modes} (or give a scale_fn)")
            scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            self._check(callable(scale_fn), "scale_fn", scale_fn, "must be a function")
            self._check(
                scale_mode in ("cycle", "iterations"),
                "scale_mode",
                scale_mode,
                "must be 'cycle' or 'iterations'",
            )
        self.mode, self.gamma = mode, gamma
        self.scale_fn_custom, self.scale_mode = scale_fn, scale_mode
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key("CyclicLR", optimizer) == "betas"
            self.base_momentums = _per_group("CyclicLR", "base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("CyclicLR", "max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for group, top, bottom in zip(
                    optimizer.param_groups, self.max_momentums, self.base_momentums
                ):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The height of cycle x (or at step x, for ``scale_mode="iterations"``), between 0 and 1."""
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x  # exp_range

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [low + (high - low) * height * scale for low, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, high - (high - low) * height * scale, self.use_beta1)
        return lrs


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2019): one warm-up from max_lr / div_factor to ``max_lr``
    over the first ``pct_start`` of ``total_steps``, then an anneal down to
    max_lr / (div_factor · final_div_factor); step it after every *batch*.

    Each phase goes from a start value a to an end value b as its progress p runs from 0 to 1:
    "cos": b + (a − b) · (1 + cos(π p)) / 2;  "linear": a + (b − a) · p. The phases end at steps
    pct_start · total − 1 and total − 1. ``three_phase=True`` warms up, comes back down to the
    initial rate symmetrically (ending at 2 · pct_start · total − 2), then decays to the
    minimum. With ``cycle_momentum``, the momentum (SGD's ``momentum`` or Adam's β₁) runs the other way,
    from ``max_momentum`` down to ``base_momentum`` at the peak rate and back.
    Give ``total_steps``, or ``epochs`` and ``steps_per_epoch``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        max_lr: the peak rate (a number, or one per group).
        total_steps: the number of steps of the whole cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs: the number of epochs (with ``steps_per_epoch``) when ``total_steps`` is None.
        steps_per_epoch: the steps in an epoch (with ``epochs``).
        pct_start: the fraction of the steps spent warming up. Default 0.3.
        anneal_strategy: "cos" (default) or "linear": the shape of each phase.
        cycle_momentum: run the momentum opposite to the rate. Default True.
        base_momentum: the momentum at the peak rate. Default 0.85.
        max_momentum: the momentum at the start and end. Default 0.95.
        div_factor: the initial rate is max_lr / div_factor. Default 25.
        final_div_factor: the final rate is max_lr / (div_factor · final_div_factor). Default 1e4.
        three_phase: warm up, come back down symmetrically, then decay. Default False.
        last_epoch: the last step done, to resume; −1 (default) starts afresh.
    """

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
        last_epoch=-1,
    ):
        _check_optimizer("OneCycleLR", optimizer)
        if total_steps is not None:
            self._check_count("total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self._check_count("epochs", epochs)
            self._check_count("steps_per_epoch", steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        self._check(
            _is_number(pct_start) and 0 <= pct_start <= 1, "pct_start", pct_start, "must be in [0, 1]"
        )
        self._check(
            anneal_strategy in ("cos", "linear"),
            "anneal_strategy",
            anneal_strategy,
            "must be 'cos' or 'linear'",
        )
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        warmup_end = float(pct_start * total_steps) - 1
        # (last step, rate from, rate to, momentum from, momentum to) of each phase
        if three_phase:
            self._phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * warmup_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = _per_group("OneCycleLR", "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key("OneCycleLR", optimizer) == "betas"
            tops = _per_group("OneCycleLR", "max_momentum", optimizer, max_momentum)
            bottoms = _per_group("OneCycleLR", "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, top, bottom in zip(optimizer.param_groups, tops, bottoms):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, progress):
        """From ``start`` (progress 0) to ``end`` (progress 1), along a half cosine or a line."""
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * progress) + 1)
        return (end - start) * progress + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {step} times, but total_steps is {self.total_steps}; "
                "make it the number of optimizer steps of the whole run"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            phase_start = 0.0
            for i, (end, lr_from, lr_to, momentum_from, momentum_to) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    progress = (step - phase_start) / (end - phase_start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], progress))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[momentum_from], group[momentum_to], progress)
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                phase_start = end
        return lrs


class ChainedScheduler(_Composite):
    """Step several schedulers of one optimizer together: their factors multiply.

    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2), ExponentialLR(opt, gamma=0.9)])

    gives lr = base_lr · (0.1 while epoch < 2, else 1) · 0.9^epoch — the same as stepping each one.

    Args:
        schedulers: the schedulers to step together, all of one optimizer.
        optimizer: that optimizer; None (default) takes the first scheduler's.
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expects at least one scheduler, got none")
        optimizer = optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None)
        for i, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(
                    f"ChainedScheduler: scheduler {i} ({type(scheduler).__name__}) has no optimizer"
                )
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    f"ChainedScheduler: scheduler {i} is a ReduceLROnPlateau, whose step needs a metric"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"ChainedScheduler: scheduler {i} ({type(scheduler).__name__}) has another optimizer"
                )
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self):
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()


class InverseTimeLR(LRScheduler):
    """lr = base_lr / (1 + decay_rate · epoch): inverse-time decay (not in PyTorch).

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        decay_rate: k, how fast the rate falls: halved at epoch 1/k.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, decay_rate, last_epoch=-1):
        self._check(_is_number(decay_rate) and decay_rate >= 0, "decay_rate", decay_rate, "must be >= 0")
        self.decay_rate = decay_rate
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr / (1 + self.decay_rate * self.last_epoch) for base_lr in self.base_lrs]


class InverseSqrtLR(LRScheduler):
    """lr = k · base_lr / √(epoch + 1): inverse-square-root decay (not in PyTorch).

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        k: a factor on the whole schedule. Default 1.0.
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, k=1.0, last_epoch=-1):
        self._check(_is_number(k) and k > 0, "k", k, "must be > 0")
        self.k = k
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.k * base_lr / math.sqrt(self.last_epoch + 1) for base_lr in self.base_lrs]


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``.

    >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> decay = CosineAnnealingLR(opt, T_max=95)
    >>> sched = SequentialLR(opt, [warmup, decay], milestones=[5])

    At a milestone the next scheduler restarts at its own epoch 0, from its formula.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        schedulers: the schedulers to run in turn, all made for ``optimizer``.
        milestones: the epochs at which the next scheduler takes over (one fewer than ``schedulers``).
        last_epoch: the last epoch done, to resume a schedule (the optimizer's state, with each group's
            ``initial_lr``, loaded first); −1 (default) starts afresh.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: expects at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    f"SequentialLR: scheduler {i} is a ReduceLROnPlateau, whose step needs a metric"
                )
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(
                    f"SequentialLR: scheduler {i} ({type(scheduler).__name__}) has another optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expects one milestone fewer than schedulers, got {len(schedulers)} "
                f"schedulers and {len(milestones)} milestones"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for group in optimizer.param_groups:  # undo what creating the schedulers did to the rates
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:
            _undo_initial_step(scheduler)
        first = schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        """Advance one epoch on the scheduler in charge now (restarting it at its milestone)."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._restart()
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_initial_step(scheduler):
    """Step ``scheduler`` (and any it contains) back one epoch."""
    for inner in getattr(scheduler, "_schedulers", ()):
        _undo_initial_step(inner)
    if not hasattr(scheduler, "_schedulers"):
        scheduler.last_epoch -= 1


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving for ``patience`` epochs.

    After each ``step(metric)``: an epoch is *bad* unless the metric beats the best so far (mode
    ``"min"``, ``"rel"``: metric < best·(1 − τ); ``"abs"``: metric < best − τ; mirrored for
    ``"max"``). After more than ``patience`` bad epochs in a row (outside a cooldown),

        lr ← max(lr · factor, min_lr)    (skipped when the change is below eps)

    >>> sched = ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=3)
    >>> sched.step(validation_loss)      # once per epoch, with the metric

    Args:
        optimizer: the optimizer whose groups' ``lr`` the schedule sets.
        mode: ``"min"`` (default): the metric should fall (a loss); ``"max"``: it should rise (an accuracy).
        factor: f < 1, the factor on the rate at each reduction. Default 0.1.
        patience: how many epochs without improvement are tolerated before reducing. Default 10.
        threshold: τ, how much better than the best so far counts as an improvement. Default 1e-4.
        threshold_mode: ``"rel"`` (default): better than best·(1 ∓ τ); ``"abs"``: better than best ∓ τ.
        cooldown: epochs to wait after a reduction before counting bad epochs again. Default 0.
        min_lr: the lowest rate, one number or one per group. Default 0.
        eps: a reduction smaller than this is skipped. Default 1e-8.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got {type(optimizer).__name__}")
        self._check(_is_number(factor) and factor < 1.0, "factor", factor, "must be < 1")
        self._check(mode in ("min", "max"), "mode", mode, "must be 'min' or 'max'")
        self._check(
            threshold_mode in ("rel", "abs"), "threshold_mode", threshold_mode, "must be 'rel' or 'abs'"
        )
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            self._check(len(min_lr) == groups, "min_lr", min_lr, f"needs one value per group ({groups})")
            self.min_lrs = list(min_lr)
        else:
            self.min_lrs = [min_lr] * groups
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = self._current_lrs()

    def step(self, metrics):
        """Record this epoch's metric (a number or one-element tensor); reduce the rate on a plateau."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # just reduced: give the new rate time before judging it
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _is_better(self, value):
        """Better than the best so far by more than the threshold (relative or absolute)."""
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            return value < (best * (1 - threshold) if self.threshold_mode == "rel" else best - threshold)
        return value > (best * (1 + threshold) if self.threshold_mode == "rel" else best + threshold)

    def _reduce_lr(self):
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            new_lr = max(group["lr"] * self.factor, min_lr)
            if group["lr"] - new_lr > self.eps:  # changes smaller than eps are ignored
                group["lr"] = new_lr


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_optimizer(name, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")


def _one_per_group(name, optimizer, lr_lambda):
    """``lr_lambda`` as a list of functions, one per parameter group."""
    groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
    lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
    if len(lambdas) != groups:
        raise ValueError(f"{name}: expected {groups} lr_lambdas (one per group), got {len(lambdas)}")
    if not all(callable(f) for f in lambdas):
        raise TypeError(f"{name}: lr_lambda must be a function of the epoch (or a list of them)")
    return lambdas


def _per_group(name, what, optimizer, value):
    """A number for every group, or a list with one number per group."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name}: expected {groups} values of {what} (one per group), got {len(value)}")
        return list(value)
    return [value] * groups


def _momentum_key(name, optimizer):
    """Where the optimizer keeps its momentum: ``"betas"`` (β₁, Adam's family) or ``"momentum"`` (SGD)."""
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(
        f"{name}: {type(optimizer).__name__} has neither momentum nor betas to cycle; "
        "pass cycle_momentum=False"
    )


def _set_momentum(group, value, use_beta1):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value
