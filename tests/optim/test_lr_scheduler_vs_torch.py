"""Learning-rate schedules against ``torch.optim.lr_scheduler``: the same rates, epoch by epoch, 30 epochs."""

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

EPOCHS = 30


def two_group_optimizer(lib):
    """SGD with two parameter groups (lr 0.1 and 0.05), from ``lib`` (tg or torch)."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


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
}


def lr_sequence(lib, build):
    opt = two_group_optimizer(lib)
    schedulers = build(lib.optim.lr_scheduler, opt)
    rates = []
    for _ in range(EPOCHS):
        rates.append([group["lr"] for group in opt.param_groups] + schedulers[-1].get_last_lr())
        opt.step()
        for scheduler in schedulers:
            scheduler.step()
    return np.array(rates), [s.last_epoch for s in schedulers]


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_rates_match_torch_for_30_epochs(name):
    ours, our_epochs = lr_sequence(tg, SCHEDULES[name])
    theirs, their_epochs = lr_sequence(torch, SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert our_epochs == their_epochs
    assert len(np.unique(ours[:, 0])) > 2, "the schedule should change the rate"


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
