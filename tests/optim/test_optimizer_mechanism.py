"""The one optimizer mechanism: a class declares its formula, initial state and rules; the base
hands the formula arrays and hyperparameters by name. And one zero_grad for Optimizer and Module."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.optim.optimizer import Rule, buffer_like, hyperparameters, in_interval, nonnegative


def heavy_ball(param, grad, momentum_buffer, *, lr, momentum):
    """b ← μb + g;  θ ← θ − γb  (the README's example)"""
    momentum_buffer *= momentum
    momentum_buffer += grad
    param -= lr * momentum_buffer


class HeavyBall(optim.Optimizer):
    update = staticmethod(heavy_ball)
    rules = (nonnegative("lr", "momentum"),)

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"momentum_buffer": buffer_like(param)}


def make_params():
    rng = np.random.default_rng(0)
    return [tg.tensor(rng.standard_normal(shape), requires_grad=True) for shape in [(3, 2), (2,), ()]]


def run(opt, params, steps=20):
    for _ in range(steps):
        opt.zero_grad()
        w, b, s = params
        ((tg.tanh(tg.ones(4, 3, dtype=tg.float64) @ w + b) * s - 0.3) ** 2).sum().backward()
        opt.step()
    return [p.detach().numpy() for p in params]


def test_a_declared_optimizer_is_the_formula_and_nothing_else():
    # heavy ball with b₀ = 0 is PyTorch's SGD momentum (b₁ = g₁), step for step
    ours, theirs = make_params(), make_params()
    ours = run(HeavyBall(ours, lr=0.05, momentum=0.9), ours)
    sgd = run(optim.SGD(theirs, lr=0.05, momentum=0.9), theirs)
    assert not np.allclose(ours[0], make_params()[0].detach().numpy())  # it moved
    for a, b in zip(ours, sgd):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_base_passes_only_the_names_the_formula_asks_for_and_keeps_the_state_as_tensors():
    seen = []

    def formula(grad, *, lr, velocity=None):  # no xp, no param, no momentum; one optional buffer
        seen.append((isinstance(grad, tg.Tensor), lr, None if velocity is None else tg.tensor(velocity)))
        return {"velocity": grad.copy()}

    class Recorder(optim.Optimizer):
        update = staticmethod(formula)

        def __init__(self, params, lr=0.1, momentum=0.5):
            super().__init__(params, hyperparameters(locals()))

    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = Recorder([w])
    w.grad = tg.tensor([3.0, 4.0])
    opt.step()
    opt.step()
    assert seen[0] == (False, 0.1, None)  # the buffer the state does not hold yet: the default
    np.testing.assert_array_equal(seen[1][2].numpy(), [3.0, 4.0])  # the returned buffer, as an array
    assert isinstance(opt.state[w]["velocity"], tg.Tensor)  # kept as a Tensor (state_dict as PyTorch's)


def test_a_state_entry_named_step_counts_from_one_and_a_returned_number_is_stored():
    steps = []

    def formula(param, grad, *, step, product, factor):
        steps.append(step)
        return {"product": product * factor}

    class Counter(optim.Optimizer):
        update = staticmethod(formula)

        def __init__(self, params, factor=0.5):
            super().__init__(params, hyperparameters(locals()))

        def initial_state(self, param, group):
            return {"step": 0, "product": 1.0}

    w = tg.tensor([1.0], requires_grad=True)
    opt = Counter([w])
    w.grad = tg.tensor([1.0])
    for _ in range(3):
        opt.step()
    assert steps == [1, 2, 3] and opt.state[w] == {"step": 3, "product": 0.125}


def test_rules_name_the_optimizer_the_hyperparameter_and_the_rule():
    with pytest.raises(ValueError, match=r"HeavyBall: invalid momentum -1 \(must be a number >= 0\)"):
        HeavyBall(make_params(), momentum=-1)
    with pytest.raises(ValueError, match=r"Adam: invalid betas\[0\] 1.0 \(must be in \[0, 1\)\)"):
        optim.Adam(make_params(), betas=(1.0, 0.9))
    with pytest.raises(ValueError, match=r"Adam: invalid betas 0.9 \(must be a pair\)"):
        optim.Adam(make_params(), betas=0.9)
    with pytest.raises(ValueError, match=r"Adadelta: invalid rho 'x' \(must be in \[0, 1\]\)"):
        optim.Adadelta(
            make_params(), rho="x"
        )  # a value of the wrong kind fails its rule, not with a TypeError
    ruled = Rule("top", lambda top, group: top <= group["cap"], "at most {cap}")
    assert ruled.keys == ("top",) and in_interval("beta", 0, 1).test(0.5, {})


def test_a_formula_without_a_step_of_its_own_says_so():
    class Empty(optim.Optimizer):
        pass

    w = tg.tensor([1.0], requires_grad=True)
    opt = Empty([w], {"lr": 0.1})
    w.grad = tg.tensor([1.0])
    with pytest.raises(NotImplementedError, match="Empty defines no update formula"):
        opt.step()


@pytest.mark.parametrize("owner", ["optimizer", "module"])
def test_one_zero_grad_pytorchs_in_place_detach_for_optimizer_and_module(owner):
    layer = nn.Linear(2, 1)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    x = tg.tensor([[1.0, 2.0]])
    grads = tg.autograd.grad(((layer(x) ** 2).sum(),), list(layer.parameters()), create_graph=True)
    for p, g in zip(layer.parameters(), grads):
        p.grad = g
    before = [p.grad for p in layer.parameters()]
    assert all(g.grad_fn is not None for g in before)
    (opt if owner == "optimizer" else layer).zero_grad(set_to_none=False)
    for p, g in zip(layer.parameters(), before):
        assert p.grad is g  # the same tensor, detached in place, as PyTorch does
        assert g.grad_fn is None and not g.requires_grad
        np.testing.assert_array_equal(g.numpy(), np.zeros(p.shape))
    (opt if owner == "optimizer" else layer).zero_grad()
    assert all(p.grad is None for p in layer.parameters())
