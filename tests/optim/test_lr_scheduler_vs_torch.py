"""Learning-rate schedules against ``torch.optim.lr_scheduler``: the same rates (and cycled momenta),
step by step, for 60 steps."""

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

EPOCHS = 60


def two_group_optimizer(lib, adam=False):
    """SGD (or Adam) with two parameter groups (lr 0.1 and 0.05), from ``lib`` (tg or torch)."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if adam:
        return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


# Each builder gets (the lr_scheduler module, the optimizer) and returns the list of schedulers to step.
SCHEDULES = {
    "LambdaLR": lambda S, o: [S.LambdaLR(o, lambda e: 0.9**e)],
    "LambdaLR-per-group": lambda S, o: [
        S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 + 0.5 * (e % 3)])
    ],
    "StepLR": lambda S, o: [S.StepLR(o, step_size=7, gamma=0.5)],
    "MultiStepLR": lambda S, o: [S.MultiStepLR(o, milestones=[3, 10, 10, 20], gamma=0.3)],
    "ExponentialLR": lambda S, o: [S.ExponentialLR(o, gamma=0.9)],
    "CosineAnnealingLR": lambda S, o: [S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)],
    "CosineAnnealingLR-eta0": lambda S, o: [S.CosineAnnealingLR(o, T_max=7)],
    "LinearLR": lambda S, o: [S.LinearLR(o)],
    "LinearLR-decay": lambda S, o: [S.LinearLR(o, start_factor=0.9, end_factor=0.2, total_iters=8)],
    "SequentialLR-warmup-cosine": lambda S, o: [
        S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=20)], [5]
        )
    ],
    "SequentialLR-three": lambda S, o: [
        S.SequentialLR(
            o,
            [S.ExponentialLR(o, gamma=0.9), S.StepLR(o, step_size=4, gamma=0.5), S.LinearLR(o, 0.5, 1.0, 6)],
            milestones=[6, 15],
        )
    ],
    "chained-StepLR-ExponentialLR": lambda S, o: [
        S.StepLR(o, step_size=5, gamma=0.5),
        S.ExponentialLR(o, 0.95),
    ],
    "MultiplicativeLR": lambda S, o: [S.MultiplicativeLR(o, lambda e: 0.95 if e % 2 else 0.99)],
    "MultiplicativeLR-per-group": lambda S, o: [S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.02])],
    "ConstantLR": lambda S, o: [S.ConstantLR(o, factor=0.25, total_iters=7)],
    "ConstantLR-default": lambda S, o: [S.ConstantLR(o)],
    "PolynomialLR": lambda S, o: [S.PolynomialLR(o, total_iters=40, power=2.0)],
    "PolynomialLR-linear": lambda S, o: [S.PolynomialLR(o, total_iters=25)],
    "CosineAnnealingWarmRestarts": lambda S, o: [S.CosineAnnealingWarmRestarts(o, T_0=10)],
    "CosineAnnealingWarmRestarts-Tmult": lambda S, o: [
        S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01)
    ],
    "CyclicLR-triangular": lambda S, o: [S.CyclicLR(o, 0.01, 0.1, step_size_up=5, step_size_down=8)],
    "CyclicLR-triangular2": lambda S, o: [
        S.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=6, mode="triangular2")
    ],
    "CyclicLR-exp_range": lambda S, o: [
        S.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.97, base_momentum=[0.7, 0.8])
    ],
    "CyclicLR-scale_fn": lambda S, o: [
        S.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations")
    ],
    "CyclicLR-no-momentum": lambda S, o: [S.CyclicLR(o, 0.01, 0.1, step_size_up=7, cycle_momentum=False)],
    "OneCycleLR": lambda S, o: [S.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS)],
    "OneCycleLR-linear-three-phase": lambda S, o: [
        S.OneCycleLR(
            o, max_lr=[1.0, 0.5], epochs=6, steps_per_epoch=10, anneal_strategy="linear", three_phase=True
        )
    ],
    "OneCycleLR-long": lambda S, o: [
        S.OneCycleLR(o, max_lr=0.3, total_steps=100, pct_start=0.25, div_factor=10, final_div_factor=100)
    ],
    "ChainedScheduler": lambda S, o: [
        S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, gamma=0.9)])
    ],
    "ChainedScheduler-cosine-warmup": lambda S, o: [
        S.ChainedScheduler([S.LinearLR(o, 0.2, total_iters=6), S.CosineAnnealingWarmRestarts(o, T_0=8)], o)
    ],
    "SequentialLR-constant-polynomial": lambda S, o: [
        S.SequentialLR(o, [S.ConstantLR(o, 0.5, total_iters=10), S.PolynomialLR(o, 30, 1.5)], [10])
    ],
}

# Schedules that also cycle the momentum: run them on SGD (momentum) and on Adam (beta1) too.
CYCLING = [name for name in SCHEDULES if name.startswith(("CyclicLR", "OneCycleLR"))]


def momenta(opt):
    return [group["betas"][0] if "betas" in group else group["momentum"] for group in opt.param_groups]


def lr_sequence(lib, build, adam=False):
    """Each step's rates (from the groups and from get_last_lr) and momenta; the final last_epochs."""
    opt = two_group_optimizer(lib, adam)
    schedulers = build(lib.optim.lr_scheduler, opt)
    rates = []
    for _ in range(EPOCHS):
        rates.append(
            [group["lr"] for group in opt.param_groups] + schedulers[-1].get_last_lr() + momenta(opt)
        )
        opt.step()
        for scheduler in schedulers:
            scheduler.step()
    return np.array(rates), [getattr(s, "last_epoch", None) for s in schedulers]


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_rates_match_torch_for_60_steps(name):
    ours, our_epochs = lr_sequence(tg, SCHEDULES[name])
    theirs, their_epochs = lr_sequence(torch, SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert our_epochs == their_epochs
    assert len(np.unique(ours[:, 0])) >= 2, "the schedule should change the rate"


@pytest.mark.parametrize("name", CYCLING)
def test_cycled_beta1_of_adam_matches_torch(name):
    ours, _ = lr_sequence(tg, SCHEDULES[name], adam=True)
    theirs, _ = lr_sequence(torch, SCHEDULES[name], adam=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    if "no-momentum" not in name:
        assert len(np.unique(ours[:, -1])) > 2, "beta1 should cycle"


def test_warm_restarts_with_fractional_epochs_match_torch():
    def sequence(lib):
        opt = two_group_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.001)
        rates = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                scheduler.step(epoch + i / 4)
                rates.append(scheduler.get_last_lr() + [scheduler.T_cur, scheduler.T_i])
        return np.array(rates, dtype=float)

    np.testing.assert_allclose(sequence(tg), sequence(torch), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["CyclicLR-triangular2", "OneCycleLR", "CosineAnnealingWarmRestarts-Tmult"])
def test_a_resumed_schedule_matches_torch(name):
    """Save after 17 steps into a fresh optimizer and scheduler, continue: the same rates as torch's."""

    def sequence(lib):
        opt = two_group_optimizer(lib)
        (scheduler,) = SCHEDULES[name](lib.optim.lr_scheduler, opt)
        for _ in range(17):
            opt.step()
            scheduler.step()
        saved_opt, saved_sched = opt.state_dict(), scheduler.state_dict()
        opt = two_group_optimizer(lib)
        (scheduler,) = SCHEDULES[name](lib.optim.lr_scheduler, opt)
        opt.load_state_dict(saved_opt)
        scheduler.load_state_dict(saved_sched)
        rates = []
        for _ in range(30):
            opt.step()
            scheduler.step()
            rates.append([group["lr"] for group in opt.param_groups] + momenta(opt))
        return np.array(rates)

    np.testing.assert_allclose(sequence(tg), sequence(torch), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2},
        {
            "mode": "max",
            "factor": 0.5,
            "patience": 1,
            "threshold": 0.05,
            "threshold_mode": "abs",
            "cooldown": 2,
        },
        {"factor": 0.5, "patience": 0, "min_lr": [0.02, 0.01], "cooldown": 1},
        {"factor": 0.1, "patience": 1, "min_lr": 0.0, "eps": 1e-3},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    metrics = [1.0, 0.9, 0.9, 0.91, 0.9, 0.85, 0.86, 0.86, 0.86, 0.7, 0.7, 0.71, 0.72] * 2 + [0.5] * 4

    def sequence(lib):
        opt = two_group_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        rates = []
        for metric in metrics:
            opt.step()
            scheduler.step(metric)
            rates.append([group["lr"] for group in opt.param_groups] + list(scheduler.get_last_lr()))
        return np.array(rates), (scheduler.best, scheduler.num_bad_epochs, scheduler.last_epoch)

    ours, our_counters = sequence(tg)
    theirs, their_counters = sequence(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert our_counters == their_counters
    assert len(np.unique(ours[:, 0])) > 1, "the plateau should have reduced the rate"
