"""Loss landscapes (Li et al. 2018): filter-normalised random directions, J(θ + a·d) on a line and a
plane against closed forms, exact restoration of the parameters (also when the loss raises)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.viz.landscape import loss_landscape_1d, loss_landscape_2d, random_direction


def host(t):
    return t.detach().numpy().astype(np.float64)


def small_mlp():
    tg.manual_seed(3)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def mlp_loss(model):
    x = tg.tensor(np.linspace(-1, 1, 12).reshape(4, 3), dtype=tg.float32)
    y = tg.tensor([0, 1, 1, 0])
    return nn.functional.cross_entropy(model(x), y)


class Quadratic(nn.Module):
    """J(θ) = Σ c·(θ − t)² over two parameters: J(θ + a·d₁ + b·d₂) is known in closed form."""

    def __init__(self, rng):
        super().__init__()
        self.w = nn.Parameter(tg.tensor(rng.standard_normal((2, 3)), dtype=tg.float64))
        self.b = nn.Parameter(tg.tensor(rng.standard_normal(3), dtype=tg.float64))
        self.targets = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
        self.scales = [rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(0.5, 2.0, 3)]

    def loss(self):
        terms = [
            (tg.tensor(c) * (p - tg.tensor(t)) ** 2).sum()
            for p, t, c in zip(self.parameters(), self.targets, self.scales)
        ]
        return terms[0] + terms[1]

    def closed_form(self, steps):
        """Σ c·(θ + Σₖ aₖ·dₖ − t)², in NumPy from the host copies."""
        total = 0.0
        for i, (p, t, c) in enumerate(zip(self.parameters(), self.targets, self.scales)):
            point = host(p) + sum(a * host(d[i]) for a, d in steps)
            total += float((c * (point - t) ** 2).sum())
        return total


def snapshot(params):
    return [host(p).copy() for p in params]


# ---- random_direction ------------------------------------------------------------------------------


def test_filter_normalised_rows_have_the_parameter_row_norms_and_biases_get_zero():
    model = small_mlp()
    params = list(model.parameters())
    direction = random_direction(params, seed=0)
    assert len(direction) == len(params)
    for d, p in zip(direction, params):
        assert d.shape == p.shape and d.dtype == p.dtype and d.device == p.device
        assert not d.requires_grad
        if p.ndim == 1:
            assert np.all(host(d) == 0), "biases get a zero direction (Li et al.'s choice)"
        else:
            np.testing.assert_allclose(
                np.linalg.norm(host(d), axis=1), np.linalg.norm(host(p), axis=1), rtol=1e-5
            )
            assert not np.allclose(host(d), host(p)), "a random direction, not the weights themselves"


def test_conv_filters_are_output_channels():
    weight = tg.randn(4, 2, 3, 3)
    (d,) = random_direction([weight], seed=1)
    np.testing.assert_allclose(
        np.linalg.norm(host(d).reshape(4, -1), axis=1),
        np.linalg.norm(host(weight).reshape(4, -1), axis=1),
        rtol=1e-5,
    )


def test_a_zero_row_of_the_weights_gets_a_zero_direction_row():
    weight = tg.tensor([[0.0, 0.0], [3.0, 4.0]])
    (d,) = random_direction([weight], seed=2)
    values = host(d)
    assert np.all(values[0] == 0) and np.isfinite(values).all()
    assert np.linalg.norm(values[1]) == pytest.approx(5.0, rel=1e-5)


def test_without_normalisation_every_entry_is_gaussian_biases_included():
    params = [tg.zeros(200, 50), tg.zeros(400)]  # zero weights: normalisation would give zeros
    direction = random_direction(params, filter_normalize=False, seed=0)
    values = np.concatenate([host(d).ravel() for d in direction])
    assert abs(values.mean()) < 0.03 and abs(values.std() - 1) < 0.03
    assert np.any(host(direction[1]) != 0)


def test_seed_is_reproducible_and_private_and_default_uses_the_library_stream():
    params = list(small_mlp().parameters())
    first = snapshot(random_direction(params, seed=7))
    tg.manual_seed(0)
    expected_next = host(tg.randn(2))
    tg.manual_seed(0)
    second = snapshot(random_direction(params, seed=7))  # must not consume the library's stream
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    np.testing.assert_array_equal(host(tg.randn(2)), expected_next)
    other = snapshot(random_direction(params, seed=8))
    assert not np.array_equal(first[0], other[0])
    tg.manual_seed(5)
    drawn = snapshot(random_direction(params, filter_normalize=False))
    tg.manual_seed(5)
    expected = [host(tg.randn(*p.shape, dtype=p.dtype)) for p in params]  # the same stream, in order
    assert all(np.array_equal(x, y) for x, y in zip(drawn, expected))


# ---- landscapes ----------------------------------------------------------------------------------


def test_1d_landscape_matches_the_closed_form_and_its_centre_is_the_loss_at_theta():
    model = Quadratic(np.random.default_rng(0))
    d = random_direction(model.parameters(), filter_normalize=False, seed=1)
    alphas = np.linspace(-1, 1, 9)
    losses = loss_landscape_1d(model, lambda m: m.loss(), d, alphas)
    assert isinstance(losses, list) and len(losses) == len(alphas)
    expected = [model.closed_form([(a, d)]) for a in alphas]
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    assert losses[4] == model.loss().item()  # a = 0: the model as it is
    assert min(losses[0], losses[-1]) > 0 and losses != sorted(losses)  # a real curve, not a constant


def test_2d_landscape_layout_centre_and_closed_form():
    model = Quadratic(np.random.default_rng(1))
    d1 = random_direction(model.parameters(), filter_normalize=False, seed=2)
    d2 = random_direction(model.parameters(), filter_normalize=False, seed=3)
    alphas, betas = [-1.0, -0.5, 0.0, 0.5, 1.0], [-0.4, 0.0, 0.8]
    grid = loss_landscape_2d(model, lambda m: m.loss(), d1, d2, alphas, betas)
    assert len(grid) == len(betas) and all(len(row) == len(alphas) for row in grid)
    assert grid[1][2] == model.loss().item()  # (a, b) = (0, 0)
    for i, b in enumerate(betas):
        for j, a in enumerate(alphas):
            assert grid[i][j] == pytest.approx(model.closed_form([(a, d1), (b, d2)]), rel=1e-10)
    line = loss_landscape_1d(model, lambda m: m.loss(), d1, alphas)
    assert grid[1] == pytest.approx(line, rel=1e-12)  # the row b = 0 is the 1-D landscape along d₁


def test_mlp_landscape_accepts_a_module_and_restores_the_parameters_exactly():
    model = small_mlp()
    before = snapshot(model.parameters())
    d1, d2 = random_direction(model.parameters(), seed=0), random_direction(model.parameters(), seed=1)
    alphas = [-1.0, 0.0, 0.37]
    line = loss_landscape_1d(model, mlp_loss, d1, alphas)
    grid = loss_landscape_2d(model, mlp_loss, d1, d2, alphas, [0.0, 0.5])
    after = snapshot(model.parameters())
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert line[1] == pytest.approx(mlp_loss(model).item(), rel=1e-6)
    assert grid[0] == pytest.approx(line, rel=1e-6)
    assert len(set(line)) == 3
    assert all(p.grad is None for p in model.parameters()), "evaluated under no_grad: no gradients"


def test_parameters_are_restored_when_the_loss_raises():
    model = small_mlp()
    before = snapshot(model.parameters())
    d = random_direction(model.parameters(), seed=0)
    calls = []

    def failing_loss(m):
        calls.append(1)
        if len(calls) == 2:
            raise KeyError("boom")
        return mlp_loss(m)

    with pytest.raises(KeyError):
        loss_landscape_1d(model, failing_loss, d, [0.5, 1.0, 1.5])
    assert all(np.array_equal(a, b) for a, b in zip(before, snapshot(model.parameters())))


def test_the_loss_is_evaluated_without_a_graph():
    model = small_mlp()
    d = random_direction(model.parameters(), seed=0)
    seen = []
    loss_landscape_1d(model, lambda m: seen.append(mlp_loss(m).requires_grad) or mlp_loss(m), d, [0.0])
    assert seen == [False]


# ---- errors -------------------------------------------------------------------------------------------


def test_errors_name_the_function_and_what_it_got():
    model = small_mlp()
    d = random_direction(model.parameters(), seed=0)
    with pytest.raises(ValueError, match=r"loss_landscape_1d: direction has 3 tensors"):
        loss_landscape_1d(model, mlp_loss, d[:3], [0.0])
    wrong_shape = [*d[:-1], tg.zeros(3)]
    with pytest.raises(ValueError, match=r"loss_landscape_2d: d2\[3\] has shape \(3,\)"):
        loss_landscape_2d(model, mlp_loss, d, wrong_shape, [0.0], [0.0])
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        loss_landscape_1d(model, lambda m: m(tg.zeros(2, 3)), d, [0.0])
    with pytest.raises(TypeError, match="alphas must be a sequence of numbers"):
        loss_landscape_1d(model, mlp_loss, d, ["a"])
    with pytest.raises(TypeError, match="random_direction: expected a Module or an iterable of Tensors"):
        random_direction(tg.zeros(3))
    with pytest.raises(ValueError, match="random_direction: got no parameters"):
        random_direction([])
