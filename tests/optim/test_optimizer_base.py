"""The ``Optimizer`` base: param groups, validation, zero_grad, closures, state and checkpoints."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

# Every optimizer, with non-default hyperparameters where they make a difference to the state.
ALL_OPTIMIZERS = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 0.5}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"lr": 0.02, "amsgrad": True}),
    ("AdamW", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02}),
    ("Rprop", {"lr": 0.01}),
    ("GD", {"lr": 0.05}),
    ("Momentum", {"lr": 0.05, "beta": 0.9}),
    ("NAG", {"lr": 0.05, "beta": 0.9}),
]
IDS = [name for name, _ in ALL_OPTIMIZERS]


def start_arrays():
    rng = np.random.default_rng(3)
    return [rng.standard_normal(shape) for shape in [(3, 2), (2,), ()]]


def make_params(arrays=None):
    return [tg.tensor(a, requires_grad=True) for a in (arrays or start_arrays())]


def loss_fn(params):
    """A small nonlinear loss of several parameters of different shapes."""
    w, b, s = params
    x = tg.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], dtype=tg.float64)
    return ((tg.tanh(x @ w + b) * s - 0.3) ** 2).sum() + (w * w).sum() * 0.01


def closure_for(opt, params):
    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    return closure


def values(params):
    return [p.detach().numpy().copy() for p in params]


def set_grads_to_ones(params):
    for p in params:
        p.grad = tg.ones_like(p)


# ---- construction and param groups ----------------------------------------------------------------------


def test_step_updates_the_parameters_in_place():
    params = make_params()
    buffers = [p.data for p in params]
    opt = optim.SGD(params, lr=0.1)
    before = values(params)
    set_grads_to_ones(params)
    opt.step()
    for p, buffer, old in zip(params, buffers, before):
        assert p.data is buffer, "the update must write into the parameter's own array"
        np.testing.assert_allclose(p.detach().numpy(), old - 0.1)


def test_params_may_be_a_generator():
    params = make_params()
    opt = optim.Adam(p for p in params)
    group = opt.param_groups[0]["params"]
    assert len(group) == len(params) and all(a is b for a, b in zip(group, params))


def test_param_groups_have_their_own_hyperparameters_and_the_defaults_fill_the_rest():
    w, b, s = make_params()
    opt = optim.SGD([{"params": [w, b]}, {"params": [s], "lr": 0.01}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert all(g["momentum"] == 0.5 for g in opt.param_groups)
    before = values([w, b, s])
    set_grads_to_ones([w, b, s])
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), before[0] - 0.1)
    np.testing.assert_allclose(b.detach().numpy(), before[1] - 0.1)
    np.testing.assert_allclose(s.detach().numpy(), before[2] - 0.01)


def test_add_param_group_adds_parameters_with_their_hyperparameters():
    w, b, s = make_params()
    opt = optim.Adam([w, b], lr=0.1)
    opt.add_param_group({"params": s, "lr": 0.5})  # a single tensor is accepted inside a group
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    before = s.item()
    s.grad = tg.ones_like(s)
    opt.step()
    assert s.item() == pytest.approx(before - 0.5)  # Adam's first step moves each coordinate by lr


@pytest.mark.parametrize(
    "params, error, words",
    [
        (lambda ps: set(ps), TypeError, "set"),
        (lambda ps: ps[0], TypeError, "single Tensor"),
        (lambda ps: [], ValueError, "empty"),
        (lambda ps: [ps[0], ps[1], ps[0]], ValueError, "more than once"),
        (lambda ps: [{"params": ps[:2]}, {"params": ps[1:]}], ValueError, "more than one parameter group"),
        (lambda ps: [ps[0] * 2], ValueError, "non-leaf"),
        (lambda ps: [tg.tensor([1, 2, 3])], ValueError, "int64"),
        (lambda ps: [np.zeros(3)], TypeError, "ndarray"),
        (lambda ps: 3.0, TypeError, "float"),
    ],
    ids=["set", "tensor", "empty", "duplicate", "two-groups", "non-leaf", "int", "ndarray", "number"],
)
def test_bad_params_are_refused(params, error, words):
    with pytest.raises(error, match=words) as info:
        optim.SGD(params(make_params()), lr=0.1)
    assert "SGD" in str(info.value)


def test_add_param_group_refuses_a_parameter_already_optimized():
    w, b, s = make_params()
    opt = optim.SGD([w, b], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [s, w]})
    assert len(opt.param_groups) == 1


BAD_HYPERPARAMETERS = [
    ("SGD", {"lr": -0.1}, -0.1),
    ("SGD", {"momentum": -0.5}, -0.5),
    ("SGD", {"weight_decay": -1e-4}, -1e-4),
    ("SGD", {"nesterov": True}, "momentum=0"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening=0.1"),
    ("Adagrad", {"lr_decay": -1.0}, -1.0),
    ("Adagrad", {"initial_accumulator_value": -0.1}, -0.1),
    ("Adagrad", {"eps": -1e-10}, -1e-10),
    ("Adadelta", {"rho": 1.5}, 1.5),
    ("Adadelta", {"eps": -1.0}, -1.0),
    ("RMSprop", {"alpha": -0.9}, -0.9),
    ("RMSprop", {"momentum": -0.1}, -0.1),
    ("Adam", {"betas": (0.9, 1.0)}, 1.0),
    ("Adam", {"betas": (-0.1, 0.999)}, -0.1),
    ("Adam", {"eps": -1e-8}, -1e-8),
    ("Adam", {"lr": float("nan")}, "nan"),
    ("AdamW", {"weight_decay": -0.01}, -0.01),
    ("Adamax", {"betas": (0.9, 1.5)}, 1.5),
    ("NAdam", {"momentum_decay": -0.004}, -0.004),
    ("Rprop", {"etas": (1.5, 1.2)}, (1.5, 1.2)),
    ("Rprop", {"step_sizes": (1.0, 0.1)}, (1.0, 0.1)),
    ("GD", {"lr": -1.0}, -1.0),
    ("Momentum", {"lr": 0.1, "beta": 1.0}, 1.0),
    ("NAG", {"lr": 0.1, "beta": -0.5}, -0.5),
    ("RandomSearch", {"std": 0.0}, 0.0),
    ("RandomSearch", {"num_directions": 0}, 0),
    ("RandomSearch", {"num_directions": 4, "top_k": 5}, 5),
]


@pytest.mark.parametrize(
    "name, kwargs, value", BAD_HYPERPARAMETERS, ids=[f"{n}-{k}" for n, k, _ in BAD_HYPERPARAMETERS]
)
def test_bad_hyperparameters_raise_value_error_naming_the_optimizer_and_the_value(name, kwargs, value):
    if name in ("GD",) and "lr" not in kwargs:
        kwargs = {"lr": 0.1, **kwargs}
    with pytest.raises(ValueError) as info:
        getattr(optim, name)(make_params(), **kwargs)
    message = str(info.value)
    assert message.startswith(name), message
    assert str(value) in message, message


def test_a_bad_hyperparameter_in_a_new_group_is_refused_and_the_optimizer_is_unchanged():
    w, b, s = make_params()
    opt = optim.Adam([w, b])
    with pytest.raises(ValueError, match=r"Adam: invalid lr -1"):
        opt.add_param_group({"params": [s], "lr": -1})
    assert len(opt.param_groups) == 1


# ---- zero_grad, step, closures ---------------------------------------------------------------------------


def test_zero_grad_sets_grads_to_none_by_default():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    loss_fn(params).backward()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_set_to_none_false_zeros_the_same_grad_tensors_in_place():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    loss_fn(params).backward()
    grads = [p.grad for p in params]
    assert any(np.any(g.numpy() != 0) for g in grads)
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is g
        np.testing.assert_array_equal(g.numpy(), np.zeros(p.shape))


def test_zero_grad_set_to_none_false_detaches_a_grad_built_with_create_graph():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w**3).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


def test_step_with_a_closure_returns_its_loss_and_runs_it_with_grad_enabled():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    seen = []

    def closure():
        seen.append(tg.is_grad_enabled())
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    expected = loss_fn(params).item()
    with tg.no_grad():
        loss = opt.step(closure)
    assert seen == [True]
    assert loss.item() == pytest.approx(expected)
    assert loss_fn(params).item() < expected
    assert opt.step() is None


def test_parameters_without_grad_are_skipped_and_get_no_state():
    w, b, s = make_params()
    opt = optim.Adam([w, b, s])
    before = b.detach().numpy().copy()
    w.grad = tg.ones_like(w)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), before)
    assert w in opt.state and b not in opt.state and s not in opt.state


def test_state_is_keyed_by_the_parameter_tensor_and_lives_on_its_device():
    params = make_params()
    opt = optim.Adam(params)
    set_grads_to_ones(params)
    opt.step()
    assert set(map(id, opt.state)) == set(map(id, params))
    for p in params:
        state = opt.state[p]
        assert state["step"] == 1
        assert state["exp_avg"].shape == p.shape and state["exp_avg"].device == p.device
        assert state["exp_avg"].dtype == p.dtype


def test_a_step_counts_as_an_in_place_change_for_graphs_that_saved_the_parameter():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tg.ones_like(w)
    loss = (w * w).sum()  # Mul saved w
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


def test_repr_lists_each_group_and_its_hyperparameters():
    w, b, s = make_params()
    text = repr(optim.SGD([{"params": [w]}, {"params": [b, s], "lr": 0.5}], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 1" in text
    assert "lr: 0.5" in text and "momentum: 0.9" in text


# ---- state_dict / load_state_dict ------------------------------------------------------------------------


def test_state_dict_has_pytorchs_layout():
    w, b, s = make_params()
    opt = optim.Adam([{"params": [w, b]}, {"params": [s], "lr": 0.1}], lr=0.01)
    loss_fn([w, b, s]).backward()
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.01, 0.1]
    assert set(sd["state"]) == {0, 1, 2}
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 1
    assert isinstance(sd["state"][0]["exp_avg"], tg.Tensor)


def test_state_dict_is_a_snapshot():
    params = make_params()
    opt = optim.Adam(params)
    closure = closure_for(opt, params)
    opt.step(closure)
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].numpy().copy()
    opt.step(closure)
    assert sd["state"][0]["step"] == 1
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), saved)


def run_steps(opt, params, n):
    closure = closure_for(opt, params)
    for _ in range(n):
        opt.step(closure)


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=IDS)
def test_a_restored_optimizer_continues_exactly_as_if_never_interrupted(name, kwargs):
    straight = make_params()
    opt = getattr(optim, name)(straight, **kwargs)
    run_steps(opt, straight, 100)

    first = make_params()
    opt = getattr(optim, name)(first, **kwargs)
    run_steps(opt, first, 50)
    checkpoint = opt.state_dict()
    resumed = make_params(values(first))  # a fresh copy of the model
    opt = getattr(optim, name)(resumed, **kwargs)
    opt.load_state_dict(checkpoint)
    run_steps(opt, resumed, 50)

    for a, b in zip(values(resumed), values(straight)):
        np.testing.assert_array_equal(a, b)


def test_load_state_dict_restores_the_hyperparameters():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    opt.param_groups[0]["lr"] = 0.025  # as a scheduler would
    fresh = optim.SGD(make_params(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.025


def test_state_dict_round_trips_through_tg_save_and_tg_load(tmp_path):
    first = make_params()
    opt = optim.NAdam(first, lr=0.02)
    run_steps(opt, first, 5)
    tg.save({"optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")
    loaded = tg.load(tmp_path / "ckpt.npz")["optimizer"]

    straight = make_params(values(first))
    opt_straight = optim.NAdam(straight, lr=0.02)
    opt_straight.load_state_dict(opt.state_dict())
    resumed = make_params(values(first))
    opt_resumed = optim.NAdam(resumed, lr=0.02)
    opt_resumed.load_state_dict(loaded)
    assert opt_resumed.param_groups[0]["betas"] == (0.9, 0.999)
    run_steps(opt_straight, straight, 5)
    run_steps(opt_resumed, resumed, 5)
    for a, b in zip(values(resumed), values(straight)):
        np.testing.assert_array_equal(a, b)


def test_loaded_state_moves_to_the_parameters_device_and_dtype():
    params = make_params()
    opt = optim.Adam(params)
    run_steps(opt, params, 2)
    sd = opt.state_dict()
    for entries in sd["state"].values():  # as a checkpoint from another machine: host arrays, float32
        for key in ("exp_avg", "exp_avg_sq"):
            entries[key] = np.asarray(entries[key].numpy(), dtype=np.float32)
    fresh_params = make_params(values(params))
    fresh = optim.Adam(fresh_params)
    fresh.load_state_dict(sd)
    for p in fresh_params:
        state = fresh.state[p]
        assert isinstance(state["exp_avg"], tg.Tensor)
        assert state["exp_avg"].device == p.device and state["exp_avg"].dtype == p.dtype


def _state_snapshot(opt):
    sd = opt.state_dict()
    return repr(sd["param_groups"]), {
        i: {k: (v.numpy().tolist() if isinstance(v, tg.Tensor) else v) for k, v in s.items()}
        for i, s in sd["state"].items()
    }


@pytest.mark.parametrize(
    "corrupt, words",
    [
        (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "2 parameter groups"),
        (lambda sd: sd["param_groups"][0]["params"].pop(), "has 3 parameters"),
        (lambda sd: sd["state"][1].update(exp_avg=tg.zeros(5, dtype=tg.float64)), "shape"),
        (lambda sd: sd["state"].update({7: {"step": 1}}), "parameter 7"),
        (lambda sd: sd["state"].update({"x": {"step": 1}}), "parameter 'x'"),
        (lambda sd: sd.pop("state"), "state"),
    ],
    ids=["group-count", "param-count", "shape", "index", "bad-index", "missing"],
)
def test_load_state_dict_validates_and_leaves_the_optimizer_unchanged_on_error(corrupt, words):
    params = make_params()
    opt = optim.Adam(params, lr=0.02)
    run_steps(opt, params, 3)
    other = optim.Adam(make_params(), lr=0.5)
    run_steps(other, other.param_groups[0]["params"], 1)
    bad = other.state_dict()
    corrupt(bad)
    before = _state_snapshot(opt)
    with pytest.raises(ValueError, match=words) as info:
        opt.load_state_dict(bad)
    assert "Adam" in str(info.value)
    assert _state_snapshot(opt) == before
