"""The course's textbook forms step by step: GD, Momentum (V₀ = 0, averaging) and NAG's look-ahead."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim


def quadratic_grad_setup():
    """f(θ) = Σ c·θ² / 2 with gradient c·θ."""
    c = np.array([1.0, 3.0, 0.5])
    theta = tg.tensor([1.0, -2.0, 4.0], dtype=tg.float64, requires_grad=True)
    return c, theta


def closure_for(opt, theta, c, record=None):
    c_t = tg.tensor(c)

    def closure():
        if record is not None:
            record.append(theta.detach().numpy().copy())
        opt.zero_grad()
        loss = (c_t * theta * theta).sum() / 2
        loss.backward()
        return loss

    return closure


def test_gd_is_theta_minus_lr_times_gradient():
    c, theta = quadratic_grad_setup()
    opt = optim.GD([theta], lr=0.1)
    x = theta.detach().numpy().copy()
    for _ in range(5):
        opt.step(closure_for(opt, theta, c))
        x = x - 0.1 * c * x
    np.testing.assert_allclose(theta.detach().numpy(), x, rtol=1e-12)


def test_momentum_averages_the_gradients_from_zero_velocity():
    c, theta = quadratic_grad_setup()
    opt = optim.Momentum([theta], lr=0.5, beta=0.8)
    x, v = theta.detach().numpy().copy(), np.zeros(3)
    closure = closure_for(opt, theta, c)
    opt.step(closure)
    np.testing.assert_allclose(theta.detach().numpy(), x - 0.5 * 0.2 * c * x)  # V₁ = (1 − β)g₁
    theta.data[...] = theta._backend().asarray(x)  # start again from x and run the formula alongside
    opt = optim.Momentum([theta], lr=0.5, beta=0.8)
    closure = closure_for(opt, theta, c)
    for _ in range(6):
        opt.step(closure)
        v = 0.8 * v + 0.2 * c * x
        x = x - 0.5 * v
    np.testing.assert_allclose(theta.detach().numpy(), x, rtol=1e-12)
    np.testing.assert_allclose(opt.state[theta]["velocity"].numpy(), v, rtol=1e-12)


def test_nag_evaluates_the_gradient_at_the_look_ahead_point():
    c, theta = quadratic_grad_setup()
    opt = optim.NAG([theta], lr=0.1, beta=0.9)
    x, v = theta.detach().numpy().copy(), np.zeros(3)
    visited = []
    closure = closure_for(opt, theta, c, record=visited)
    for step in range(6):
        loss = opt.step(closure)
        look_ahead = x - 0.9 * v
        np.testing.assert_allclose(visited[step], look_ahead, rtol=1e-12)  # the closure ran at θ − βV
        assert loss.item() == pytest.approx(float((c * look_ahead**2).sum() / 2))
        v = 0.9 * v + 0.1 * c * look_ahead
        x = x - v
        np.testing.assert_allclose(theta.detach().numpy(), x, rtol=1e-12)  # moved back, then θ − V
    np.testing.assert_allclose(theta.grad.numpy(), c * visited[-1], rtol=1e-12)  # ∇J(θ − βV)


def test_nag_without_a_closure_raises_a_clear_error():
    _, theta = quadratic_grad_setup()
    opt = optim.NAG([theta], lr=0.1)
    theta.grad = tg.ones_like(theta)
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()


def test_nag_moves_back_even_if_the_closure_fails():
    c, theta = quadratic_grad_setup()
    opt = optim.NAG([theta], lr=0.1, beta=0.9)
    opt.step(closure_for(opt, theta, c))  # now V ≠ 0, so the look-ahead point differs from θ
    before = theta.detach().numpy().copy()

    def failing():
        raise ArithmeticError("boom")

    with pytest.raises(ArithmeticError):
        opt.step(failing)
    np.testing.assert_allclose(theta.detach().numpy(), before, rtol=1e-15)


def test_momentum_and_nag_beat_the_best_gd_on_an_ill_conditioned_bowl():
    def final_loss(name, **kwargs):
        c = np.array([1.0, 50.0])  # condition number κ = 50
        theta = tg.tensor([1.0, 1.0], dtype=tg.float64, requires_grad=True)
        opt = getattr(optim, name)([theta], **kwargs)
        closure = closure_for(opt, theta, c)
        for _ in range(60):
            opt.step(closure)
        return closure().item()

    gd = final_loss("GD", lr=2 / 51)  # the best fixed rate for GD, 2 / (L + μ)
    assert final_loss("Momentum", lr=0.15, beta=0.6) < gd * 1e-3  # heavy ball: α(1−β) ≈ 4/(√L+√μ)²
    assert final_loss("NAG", lr=1 / 50, beta=0.75) < gd * 1e-3  # α = 1/L, β ≈ (1−√(μ/L))/(1+√(μ/L))
