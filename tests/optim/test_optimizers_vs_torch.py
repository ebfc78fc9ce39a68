"""PyTorch as the oracle: each optimizer, for several hyperparameter combinations, gives the same
parameters as ``torch.optim`` (``foreach=False``) after 100 steps on a small nonlinear model, in float64."""

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

STEPS = 100
RTOL, ATOL = 1e-6, 1e-10

# (name, keyword arguments): each hyperparameter switch of each optimizer at least once. The learning
# rates keep every run away from the regime where adaptive methods amplify rounding differences
# (a coordinate whose gradient hovers around 0 makes g/√v a ratio of rounding noise): there, two
# correct implementations drift apart by 1e-5 in 100 steps. Perturbing the start by 1e-12 moves
# each run's end by at most ~1e-10 with these settings.
CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.02}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.2}),
    ("Adagrad", {"lr": 0.05, "eps": 1e-6, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.002, "centered": True, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.002, "centered": True, "momentum": 0.5, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True, "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.7, 0.95), "weight_decay": 0.05}),
    ("Adamax", {"maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.005, "momentum_decay": 0.01, "weight_decay": 0.05}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True}),
    ("NAdam", {"maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.001, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.02)}),
    ("Rprop", {"maximize": True}),
]


@pytest.fixture(autouse=True)
def _torch_float64_scalars():
    """torch keeps NAdam's μ-product in the default dtype: make it float64, as ours is a Python float."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def initial_arrays():
    """The model's starting weights: tensors of several shapes, a 0-d one included."""
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (4,), (2, 4), ()]
    return [rng.standard_normal(shape) * 0.5 for shape in shapes]


def data():
    rng = np.random.default_rng(1)
    return rng.standard_normal((8, 3)), rng.standard_normal((8, 2))


def loss_of(lib, params, x, y, kwargs):
    """A two-layer tanh network with a learned output scale, mean squared error (same code for both).

    With ``maximize=True`` the objective is the negated error, so both runs climb to a maximum
    instead of racing off to infinity (where rounding differences would grow without bound).
    """
    w1, b1, w2, scale = params
    hidden = lib.tanh(x @ w1.T + b1)
    error = (((hidden @ w2.T) * scale - y) ** 2).mean()
    return -error if kwargs.get("maximize") else error


def run_ours(name, kwargs, steps=STEPS, groups=None):
    params = [tg.tensor(a, requires_grad=True) for a in initial_arrays()]
    x, y = (tg.tensor(a) for a in data())
    opt = getattr(tg.optim, name)(params if groups is None else groups(params), **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(tg, params, x, y, kwargs).backward()
        opt.step()
    return [p.detach().numpy() for p in params]


def run_torch(name, kwargs, steps=STEPS, groups=None):
    params = [torch.tensor(a, requires_grad=True) for a in initial_arrays()]
    x, y = (torch.tensor(a) for a in data())
    opt = getattr(torch.optim, name)(params if groups is None else groups(params), foreach=False, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(torch, params, x, y, kwargs).backward()
        opt.step()
    return [p.detach().numpy() for p in params]


def assert_same_params(ours, theirs, start=None):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"parameter {i}")
    if start is not None:  # the run really moved the parameters (the comparison means something)
        assert any(not np.allclose(a, s) for a, s in zip(ours, start))


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_matches_torch_after_100_steps(name, kwargs):
    assert_same_params(run_ours(name, kwargs), run_torch(name, kwargs), start=initial_arrays())


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Rprop"])
def test_param_groups_with_their_own_hyperparameters_match_torch(name):
    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003, "weight_decay": 0.0}]

    kwargs = {"lr": 0.02, "weight_decay": 0.01} if name != "Rprop" else {"lr": 0.02}
    if name == "Rprop":

        def groups(params):  # Rprop has no weight decay
            return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003, "etas": (0.4, 1.1)}]

    ours = run_ours(name, kwargs, groups=groups)
    theirs = run_torch(name, kwargs, groups=groups)
    assert_same_params(ours, theirs, start=initial_arrays())


def test_default_hyperparameters_match_torch():
    x = torch.zeros(1, requires_grad=True)
    ignored = {"foreach", "differentiable", "capturable", "fused"}
    for name in ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam", "Rprop"]:
        theirs = {k: v for k, v in getattr(torch.optim, name)([x]).defaults.items() if k not in ignored}
        ours = getattr(tg.optim, name)([tg.zeros(1, requires_grad=True)]).defaults
        assert set(ours) == set(theirs), name
        for key, value in theirs.items():
            assert ours[key] == value, f"{name}: default {key}={ours[key]!r}, torch {value!r}"
