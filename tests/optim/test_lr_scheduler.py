"""Learning-rate schedules against their formulas, their errors, and resuming from a state_dict."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.optim import lr_scheduler as S

EPOCHS = 30


def make_optimizer(lr=0.1, second_lr=0.05):
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    return tg.optim.SGD([{"params": [a]}, {"params": [b], "lr": second_lr}], lr=lr)


def rates(opt, scheduler, epochs=EPOCHS):
    """The rate of each group at each epoch, stepping as in a training loop."""
    seen = []
    for _ in range(epochs):
        seen.append([group["lr"] for group in opt.param_groups])
        assert scheduler.get_last_lr() == seen[-1]
        opt.step()
        scheduler.step()
    return np.array(seen)


# (builder, formula of (base_lr, epoch)): the docstring formula of each schedule, written out again
FORMULAS = {
    "StepLR": (lambda o: S.StepLR(o, step_size=7, gamma=0.5), lambda lr, e: lr * 0.5 ** (e // 7)),
    "MultiStepLR": (
        lambda o: S.MultiStepLR(o, milestones=[12, 3, 20], gamma=0.3),
        lambda lr, e: lr * 0.3 ** sum(e >= m for m in (3, 12, 20)),
    ),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9), lambda lr, e: lr * 0.9**e),
    "CosineAnnealingLR": (
        lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        lambda lr, e: 0.001 + (lr - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2,
    ),
    "LinearLR": (
        lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
        lambda lr, e: lr * (0.2 + 0.7 * min(e, 8) / 8),
    ),
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e) ** 2), lambda lr, e: lr / (1 + e) ** 2),
    "InverseTimeLR": (lambda o: S.InverseTimeLR(o, decay_rate=0.5), lambda lr, e: lr / (1 + 0.5 * e)),
    "InverseSqrtLR": (lambda o: S.InverseSqrtLR(o, k=2.0), lambda lr, e: 2.0 * lr / math.sqrt(e + 1)),
    "MultiplicativeLR": (lambda o: S.MultiplicativeLR(o, lambda e: 0.9), lambda lr, e: lr * 0.9**e),
    "ConstantLR": (
        lambda o: S.ConstantLR(o, factor=0.5, total_iters=4),
        lambda lr, e: lr * (0.5 if e < 4 else 1.0),
    ),
    "PolynomialLR": (
        lambda o: S.PolynomialLR(o, total_iters=20, power=3.0),
        lambda lr, e: lr * (1 - min(e, 20) / 20) ** 3,
    ),
    "CosineAnnealingWarmRestarts": (
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.001),
        # periods of 4, 8, 16 epochs start at epochs 0, 4, 12, 28
        lambda lr, e: (
            0.001
            + (lr - 0.001)
            * (1 + math.cos(math.pi * warm_restart_position(e, [0, 4, 12, 28], [4, 8, 16, 32])))
            / 2
        ),
    ),
    "CyclicLR-triangular2": (
        lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"),
        lambda lr, e: 0.01 + 0.09 * triangle(e, 3, 3) / 2 ** (e // 6),
    ),
    "OneCycleLR-linear": (
        lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS, pct_start=0.5, anneal_strategy="linear"),
        # up from 1/25 to 1 in steps 0..14, down to 1/25/1e4 in steps 14..29
        lambda lr, e: 0.04 + 0.96 * e / 14 if e <= 14 else 1 + (4e-6 - 1) * (e - 14) / 15,
    ),
}


def warm_restart_position(epoch, starts, lengths):
    """T_cur / T_i of SGDR: where ``epoch`` lies in its period."""
    i = max(k for k, start in enumerate(starts) if start <= epoch)
    return (epoch - starts[i]) / lengths[i]


def triangle(t, up, down):
    """0 → 1 in ``up`` steps, 1 → 0 in ``down``: the height of the cyclical rate at step t."""
    x = t % (up + down)
    return x / up if x <= up else 1 - (x - up) / down


@pytest.mark.parametrize("name", list(FORMULAS))
def test_rates_follow_the_formula(name):
    build, formula = FORMULAS[name]
    opt = make_optimizer()
    scheduler = build(opt)
    expected = [[formula(0.1, e), formula(0.05, e)] for e in range(EPOCHS)]
    np.testing.assert_allclose(rates(opt, scheduler), expected, rtol=1e-10, atol=1e-15)
    assert scheduler.last_epoch == EPOCHS
    if not name.startswith(("CyclicLR", "OneCycleLR")):  # those two replace the groups' rates with their own
        assert scheduler.base_lrs == [0.1, 0.05]
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]


def test_sequential_lr_switches_at_the_milestone_and_restarts_the_next_schedule():
    opt = make_optimizer(second_lr=0.1)
    warmup = S.LinearLR(opt, start_factor=0.1, total_iters=4)
    decay = S.ExponentialLR(opt, gamma=0.5)
    scheduler = S.SequentialLR(opt, [warmup, decay], milestones=[4])
    seen = rates(opt, scheduler, epochs=8)[:, 0]
    expected = [0.1 * (0.1 + 0.9 * e / 4) for e in range(4)] + [0.1 * 0.5 ** (e - 4) for e in range(4, 8)]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)


def test_two_schedulers_on_one_optimizer_compose():
    opt = make_optimizer()
    step, exponential = S.StepLR(opt, step_size=3, gamma=0.5), S.ExponentialLR(opt, gamma=0.9)
    seen = []
    for _ in range(9):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        step.step()
        exponential.step()
    np.testing.assert_allclose(seen, [0.1 * 0.5 ** (e // 3) * 0.9**e for e in range(9)], rtol=1e-12)


def test_reduce_lr_on_plateau_waits_for_patience_then_reduces_and_cools_down():
    opt = make_optimizer()
    scheduler = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.03)
    lrs = []
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]:
        scheduler.step(tg.tensor(metric))  # a one-element tensor works as the metric
        lrs.append(scheduler.get_last_lr())
    # bad epochs 1, 2, 3 > patience → halve; 1 cooldown epoch; then 1, 2, 3 again → halve (floored at min_lr)
    assert [lr[0] for lr in lrs] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.03, 0.03]
    assert [lr[1] for lr in lrs][-1] == 0.03
    assert scheduler.best == 0.5


def run_and_resume(build, epochs_before, epochs_after, through_file=None):
    """Rates of a straight run vs a run checkpointed after ``epochs_before`` epochs and restored fresh."""
    opt = make_optimizer()
    scheduler = build(opt)
    straight = rates(opt, scheduler, epochs_before + epochs_after)

    opt = make_optimizer()
    scheduler = build(opt)
    rates(opt, scheduler, epochs_before)
    checkpoint = {"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}
    if through_file is not None:
        tg.save(checkpoint, through_file)
        checkpoint = tg.load(through_file)
    opt = make_optimizer(lr=0.7, second_lr=0.7)
    scheduler = build(opt)  # build the scheduler first: it sets the rates, which loading then overwrites
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    return straight[epochs_before:], rates(opt, scheduler, epochs_after)


RESUMABLE = {
    "StepLR": lambda o: S.StepLR(o, step_size=4, gamma=0.5),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    "InverseSqrtLR": lambda o: S.InverseSqrtLR(o),
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.8),
    "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=15, power=0.5),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9),
    "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=19, three_phase=True),
    "ChainedScheduler": lambda o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=9), S.ExponentialLR(o, gamma=0.9)]
    ),
    "SequentialLR": lambda o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.25, total_iters=3), S.MultiStepLR(o, [4, 9], gamma=0.5)], [5]
    ),
}


@pytest.mark.parametrize("name", list(RESUMABLE))
def test_a_restored_scheduler_continues_the_same_schedule(name, tmp_path):
    expected, resumed = run_and_resume(RESUMABLE[name], 7, 12, through_file=tmp_path / "ckpt.npz")
    np.testing.assert_allclose(resumed, expected, rtol=1e-12)


def test_a_restored_reduce_lr_on_plateau_keeps_its_counters(tmp_path):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85]

    def run(scheduler, values):
        out = []
        for m in values:
            scheduler.step(m)
            out.append(scheduler.get_last_lr()[0])
        return out

    opt = make_optimizer()
    straight = run(S.ReduceLROnPlateau(opt, patience=2), metrics)
    opt = make_optimizer()
    scheduler = S.ReduceLROnPlateau(opt, patience=2)
    run(scheduler, metrics[:4])
    tg.save({"o": opt.state_dict(), "s": scheduler.state_dict()}, tmp_path / "ckpt.npz")
    checkpoint = tg.load(tmp_path / "ckpt.npz")
    opt = make_optimizer()
    scheduler = S.ReduceLROnPlateau(opt, patience=2)
    opt.load_state_dict(checkpoint["o"])
    scheduler.load_state_dict(checkpoint["s"])
    assert run(scheduler, metrics[4:]) == straight[4:]
    assert straight[-1] < straight[0]


def test_state_dict_leaves_out_the_optimizer_and_functions():
    opt = make_optimizer()
    state = S.LambdaLR(opt, lambda e: 1.0).state_dict()
    assert "optimizer" not in state and "lr_lambdas" not in state
    assert state["last_epoch"] == 0 and state["base_lrs"] == [0.1, 0.05]


def test_one_cycle_momentum_runs_opposite_to_the_rate():
    opt = tg.optim.Adam([tg.zeros(2, requires_grad=True)], lr=0.1, betas=(0.5, 0.999))
    scheduler = S.OneCycleLR(opt, max_lr=1.0, total_steps=20, base_momentum=0.8, max_momentum=0.9)
    lrs, beta1s = [], []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        beta1s.append(opt.param_groups[0]["betas"][0])
        opt.step()
        scheduler.step()
    peak = int(np.argmax(lrs))
    assert peak == 5  # pct_start 0.3 of 20 steps: the warm-up ends at step 0.3 * 20 - 1
    assert lrs[0] == pytest.approx(1.0 / 25) and lrs[peak] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert beta1s[0] == pytest.approx(0.9) and beta1s[peak] == pytest.approx(0.8) and beta1s[-1] == 0.9
    assert opt.param_groups[0]["betas"][1] == 0.999  # beta2 untouched
    with pytest.raises(ValueError, match="total_steps is 20"):
        scheduler.step()


def test_cyclic_lr_sets_momentum_of_sgd_and_rejects_an_optimizer_without_one():
    opt = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.5, momentum=0.9)
    scheduler = S.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=2)
    seen = []
    for _ in range(5):
        seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
        scheduler.step()
    np.testing.assert_allclose(seen, [(0.1, 0.9), (0.55, 0.85), (1.0, 0.8), (0.55, 0.85), (0.1, 0.9)])
    no_momentum = tg.optim.Adagrad([tg.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="CyclicLR: Adagrad has neither momentum nor betas"):
        S.CyclicLR(no_momentum, 0.1, 1.0)
    S.CyclicLR(no_momentum, 0.1, 1.0, cycle_momentum=False)  # fine without cycling


def test_warm_restarts_accepts_fractional_epochs():
    opt = make_optimizer()
    scheduler = S.CosineAnnealingWarmRestarts(opt, T_0=2)
    scheduler.step(2.5)  # half-way into the second period of 2: a quarter of the way down
    assert scheduler.T_cur == 0.5 and scheduler.last_epoch == 2
    assert scheduler.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi / 4)) / 2)
    with pytest.raises(ValueError, match="epoch -1"):
        scheduler.step(-1)


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda o: S.StepLR("not an optimizer", 3), TypeError, "Optimizer"),
        (lambda o: S.StepLR(o, step_size=0), ValueError, "step_size 0"),
        (lambda o: S.LinearLR(o, start_factor=0.0), ValueError, "start_factor 0.0"),
        (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "end_factor 1.5"),
        (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max 0"),
        (lambda o: S.InverseTimeLR(o, decay_rate=-1.0), ValueError, "decay_rate -1.0"),
        (lambda o: S.InverseSqrtLR(o, k=0.0), ValueError, "k 0.0"),
        (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError, "2 lr_lambdas"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor 1.0"),
        (lambda o: S.ReduceLROnPlateau(o, mode="avg"), ValueError, "avg"),
        (lambda o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3]), ValueError, "milestones"),
        (
            lambda o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], milestones=[]),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (
            lambda o: S.SequentialLR(o, [S.StepLR(make_optimizer(), 2)], milestones=[]),
            ValueError,
            "optimizer",
        ),
        (lambda o: S.StepLR(o, 3, last_epoch=5), KeyError, "initial_lr"),
        (lambda o: S.MultiplicativeLR(o, 0.9), TypeError, "MultiplicativeLR: lr_lambda must be a function"),
        (lambda o: S.ConstantLR(o, factor=1.5), ValueError, "ConstantLR: invalid factor 1.5"),
        (lambda o: S.PolynomialLR(o, total_iters=0), ValueError, "PolynomialLR: invalid total_iters 0"),
        (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0 0"),
        (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError, "T_mult 1.5"),
        (lambda o: S.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), ValueError, "CyclicLR: invalid mode 'sawtooth'"),
        (lambda o: S.CyclicLR(o, [0.1], 1.0), ValueError, "2 values of base_lr"),
        (lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=0), ValueError, "step_size_up 0"),
        (lambda o: S.OneCycleLR(o, 1.0), ValueError, "OneCycleLR: give total_steps"),
        (lambda o: S.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5), ValueError, "pct_start 1.5"),
        (lambda o: S.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), ValueError, "anneal_strategy 'exp'"),
        (lambda o: S.ChainedScheduler([]), ValueError, "ChainedScheduler: expects at least one"),
        (
            lambda o: S.ChainedScheduler([S.StepLR(o, 2), S.StepLR(make_optimizer(), 2)]),
            ValueError,
            "ChainedScheduler: scheduler 1 \\(StepLR\\) has another optimizer",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_arguments_raise(build, error, words):
    with pytest.raises(error, match=words):
        build(make_optimizer())
