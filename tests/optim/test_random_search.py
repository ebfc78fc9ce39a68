"""``RandomSearch`` (basic random search, Mania, Guy & Recht 2018): one step against a NumPy reference,
convergence on a quadratic, exact restoration between probes, reproducibility, errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

SHAPES = [(2, 3), (3,)]


def quadratic_problem():
    rng = np.random.default_rng(11)
    starts = [rng.standard_normal(s) for s in SHAPES]
    targets = [rng.standard_normal(s) for s in SHAPES]
    scales = [rng.uniform(0.5, 2.0, s) for s in SHAPES]
    return starts, targets, scales


def numpy_loss(xs, targets, scales):
    return sum(float((c * (x - a) ** 2).sum()) for x, a, c in zip(xs, targets, scales))


def tg_closure(params, targets, scales):
    targets = [tg.tensor(a) for a in targets]
    scales = [tg.tensor(c) for c in scales]

    def closure():
        return sum((c * (p - a) ** 2).sum() for p, a, c in zip(params, targets, scales))

    return closure


def reference_step(xs, directions, loss, lr, std, top_k):
    """One step of the paper's update with the same directions: θ − lr/(k·σ_R) Σ (L₊ − L₋) δ."""
    plus = [loss([x + std * d for x, d in zip(xs, delta)]) for delta in directions]
    minus = [loss([x - std * d for x, d in zip(xs, delta)]) for delta in directions]
    k = top_k or len(directions)
    best = np.argsort([min(p, m) for p, m in zip(plus, minus)], kind="stable")[:k]
    sigma = np.std([plus[i] for i in best] + [minus[i] for i in best])
    return [
        x - lr / (k * sigma) * sum((plus[i] - minus[i]) * directions[i][j] for i in best)
        for j, x in enumerate(xs)
    ]


@pytest.mark.parametrize("top_k", [None, 3])
def test_one_step_matches_the_reference(top_k):
    starts, targets, scales = quadratic_problem()
    lr, std, n = 0.05, 0.1, 6
    tg.manual_seed(
        5
    )  # the directions the optimizer will draw, in its order: direction by direction, param by param
    directions = [[tg.randn(*s, dtype=tg.float64).numpy() for s in SHAPES] for _ in range(n)]

    params = [tg.tensor(x, requires_grad=True) for x in starts]
    opt = optim.RandomSearch(params, lr=lr, std=std, num_directions=n, top_k=top_k)
    tg.manual_seed(5)
    loss = opt.step(tg_closure(params, targets, scales))

    assert loss.item() == pytest.approx(numpy_loss(starts, targets, scales))
    expected = reference_step(starts, directions, lambda xs: numpy_loss(xs, targets, scales), lr, std, top_k)
    for p, e, s in zip(params, expected, starts):
        np.testing.assert_allclose(p.detach().numpy(), e, rtol=1e-10, atol=1e-12)
        assert not np.allclose(e, s)


def test_reaches_the_minimum_of_a_quadratic():
    starts, targets, scales = quadratic_problem()
    params = [tg.tensor(x) for x in starts]  # no requires_grad needed: derivative-free
    opt = optim.RandomSearch(params, lr=0.1, std=0.05, num_directions=8, top_k=4)
    # Dividing by σ_R keeps the step length ~lr even near the minimum, so the rate has to decay.
    schedule = optim.lr_scheduler.ExponentialLR(opt, gamma=0.985)
    closure = tg_closure(params, targets, scales)
    tg.manual_seed(0)
    start_loss = closure().item()
    for _ in range(300):
        opt.step(closure)
        schedule.step()
    assert closure().item() < 1e-4 * start_loss
    for p, a in zip(params, targets):
        np.testing.assert_allclose(p.numpy(), a, atol=0.01)


def test_probes_are_exact_and_the_parameters_are_restored_exactly():
    starts, _, _ = quadratic_problem()
    params = [tg.tensor(x) for x in starts]
    seen = []

    def closure():
        seen.append([p.numpy().copy() for p in params])
        return tg.tensor(1.0)  # a flat loss: every L₊ − L₋ is 0 (and σ_R = 0 must not divide by zero)

    opt = optim.RandomSearch(params, lr=0.1, std=0.25, num_directions=3)
    opt.step(closure)
    assert len(seen) == 1 + 2 * 3
    for p, x in zip(params, starts):
        np.testing.assert_array_equal(p.numpy(), x)  # bit for bit: restored from a copy, not by subtraction
    for probe_plus, probe_minus in zip(seen[1:4], seen[4:7]):
        for a, b, x in zip(probe_plus, probe_minus, starts):
            np.testing.assert_allclose((a + b) / 2, x, atol=1e-15)  # θ ± σδ around θ
            assert np.abs(a - x).max() > 0


def test_the_closure_runs_without_recording_a_graph():
    params = [tg.tensor([1.0, 2.0], requires_grad=True)]
    modes = []

    def closure():
        modes.append(tg.is_grad_enabled())
        return (params[0] ** 2).sum()

    optim.RandomSearch(params, num_directions=2).step(closure)
    assert modes == [False] * 5


def test_manual_seed_makes_runs_reproducible():
    def run(seed):
        starts, targets, scales = quadratic_problem()
        params = [tg.tensor(x) for x in starts]
        opt = optim.RandomSearch(params, num_directions=4)
        tg.manual_seed(seed)
        for _ in range(3):
            opt.step(tg_closure(params, targets, scales))
        return [p.numpy() for p in params]

    first, again, other = run(1), run(1), run(2)
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_parameter_groups_share_the_directions_but_have_their_own_step_size():
    w, b = tg.tensor([1.0, -1.0]), tg.tensor([0.5])
    opt = optim.RandomSearch([{"params": [w]}, {"params": [b], "lr": 0.0}], lr=0.1)
    opt.step(lambda: (w**2).sum() + (b**2).sum())
    assert b.item() == 0.5 and w.numpy().tolist() != [1.0, -1.0]
    with pytest.raises(ValueError, match="num_directions"):
        opt.add_param_group({"params": [tg.tensor([0.0])], "num_directions": 3})


def test_step_without_a_closure_raises():
    opt = optim.RandomSearch([tg.tensor([1.0])])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()


def test_a_failing_closure_leaves_the_parameters_where_they_were():
    w = tg.tensor([1.0, -2.0])
    calls = []

    def closure():
        calls.append(1)
        if len(calls) == 3:
            raise ArithmeticError("boom")
        return (w**2).sum()

    with pytest.raises(ArithmeticError):
        optim.RandomSearch([w], num_directions=4).step(closure)
    np.testing.assert_array_equal(w.numpy(), [1.0, -2.0])
