"""A user-defined optimizer written as PyTorch's documentation shows works unchanged: ``super().__init__(
params, defaults)``, a ``step`` over ``self.param_groups`` with ``self.state[p]`` created on first access,
``zero_grad``, ``add_param_group``, and ``state_dict`` / ``load_state_dict`` (also through a file)."""

import numpy as np
import pytest

import tinygrad_edu as tg


def define_optimizers(torch):
    """The optimizers of the tests, written against ``torch`` (tinygrad_edu, or PyTorch for the oracle)."""

    class HeavyBall(torch.optim.Optimizer):
        """SGD with momentum as in PyTorch's docs: buf ← μ·buf + g, p ← p − lr·buf."""

        def __init__(self, params, lr=0.01, momentum=0.9):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            defaults = dict(lr=lr, momentum=momentum)
            super().__init__(params, defaults)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        buf = state["momentum_buffer"] = torch.clone(p.grad).detach()
                    else:
                        buf = state["momentum_buffer"]
                        buf.mul_(group["momentum"]).add_(p.grad)
                    p.add_(buf, alpha=-group["lr"])
            return loss

    class AdamLike(torch.optim.Optimizer):
        """Adam written the way tutorials write it: state["step"], exp_avg, exp_avg_sq created when empty."""

        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
            super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["step"] += 1
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                    exp_avg_sq.mul_(beta2).add_(p.grad * p.grad, alpha=1 - beta2)
                    m_hat = exp_avg / (1 - beta1 ** state["step"])
                    v_hat = exp_avg_sq / (1 - beta2 ** state["step"])
                    p.sub_(group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]))

    return HeavyBall, AdamLike


def _problem(lib, seed=0):
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal((16, 3))
    x = lib.tensor(x_np)
    y = lib.tensor(x_np @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.standard_normal((16, 1)))
    w = lib.tensor(rng.standard_normal((3, 1)) * 0.1, requires_grad=True)
    b = lib.tensor(np.zeros(1), requires_grad=True)
    return x, y, w, b


def _train(lib, opt, x, y, w, b, steps):
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("which", [0, 1], ids=["heavy_ball", "adam_like"])
def test_a_pytorch_style_optimizer_trains(which):
    cls = define_optimizers(tg)[which]
    x, y, w, b = _problem(tg)
    opt = cls([w, b], lr=0.05)
    losses = _train(tg, opt, x, y, w, b, 30)
    assert losses[-1] < 0.5 * losses[0]
    assert set(opt.state) == {w, b}


@pytest.mark.parametrize("which", [0, 1], ids=["heavy_ball", "adam_like"])
def test_resumed_from_its_state_dict_continues_exactly(which, tmp_path):
    cls = define_optimizers(tg)[which]
    x, y, w, b = _problem(tg)
    opt = cls([w, b], lr=0.05)
    straight = _train(tg, opt, x, y, w, b, 20)
    final = (w.detach().numpy().copy(), b.detach().numpy().copy())

    x, y, w, b = _problem(tg)
    first = cls([w, b], lr=0.05)
    resumed = _train(tg, first, x, y, w, b, 10)
    tg.save(
        {"model": {"w": w.detach(), "b": b.detach()}, "optimizer": first.state_dict()}, tmp_path / "ckpt.npz"
    )
    checkpoint = tg.load(tmp_path / "ckpt.npz")
    x, y, w, b = _problem(tg)  # a fresh process, in effect
    with tg.no_grad():
        w.copy_(checkpoint["model"]["w"])
        b.copy_(checkpoint["model"]["b"])
    second = cls([w, b], lr=0.05)
    second.load_state_dict(checkpoint["optimizer"])
    resumed += _train(tg, second, x, y, w, b, 10)
    np.testing.assert_allclose(resumed, straight, rtol=1e-12)
    np.testing.assert_allclose(w.detach().numpy(), final[0], rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), final[1], rtol=1e-12)


def test_zero_grad_and_add_param_group():
    HeavyBall, _ = define_optimizers(tg)
    x, y, w, b = _problem(tg)
    opt = HeavyBall([w], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9  # filled from defaults
    ((x @ w + b - y) ** 2).mean().backward()
    opt.step()
    opt.zero_grad()
    assert w.grad is None and b.grad is None
    assert {k: sorted(v) for k, v in opt.state_dict()["state"].items()} == {
        0: ["momentum_buffer"],
        1: ["momentum_buffer"],
    }


@pytest.mark.parametrize("which", [0, 1], ids=["heavy_ball", "adam_like"])
def test_same_steps_as_the_same_code_on_pytorch(which):
    torch = pytest.importorskip("torch")
    ours_cls, theirs_cls = define_optimizers(tg)[which], define_optimizers(torch)[which]
    x, y, w, b = _problem(tg)
    ours = _train(tg, ours_cls([w, b], lr=0.05), x, y, w, b, 25)
    tx, ty, tw, tb = _problem(torch)
    theirs = _train(torch, theirs_cls([tw, tb], lr=0.05), tx, ty, tw, tb, 25)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
