"""Quick start: train a two-layer network on a spiral-free toy problem with nothing but the core.

Run:  python examples/quickstart.py
Every gradient below comes from ``loss.backward()``; the update is written out by hand.
"""

import numpy as np

import tinygrad_edu as tg


def make_data(n=200, seed=0):
    """Two noisy concentric rings: class 0 inside, class 1 outside (not linearly separable)."""
    rng = np.random.default_rng(seed)
    radius = np.concatenate([rng.uniform(0, 1, n // 2), rng.uniform(1.5, 2.5, n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.zeros(n // 2), np.ones(n // 2)])
    return tg.tensor(x, dtype=tg.float32), tg.tensor(y, dtype=tg.float32)  # float32, as the weights


def main(steps=300, lr=0.5):
    tg.manual_seed(0)
    x, y = make_data()
    w1 = (tg.randn(2, 16) * 0.5).requires_grad_()
    b1 = tg.zeros(16, requires_grad=True)
    w2 = (tg.randn(16, 1) * 0.5).requires_grad_()
    b2 = tg.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    for step in range(steps + 1):
        logits = ((x @ w1 + b1).tanh() @ w2 + b2).squeeze(1)
        # logistic loss log(1 + e^z) − y·z, written stably with softplus
        loss = (logits.softplus() - y * logits).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params:
                p -= lr * p.grad
        if step % 50 == 0:
            accuracy = ((logits > 0).float() == y).float().mean().item()
            print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {accuracy:.2f}")
    return accuracy


if __name__ == "__main__":
    final = main()
    print(f"final training accuracy: {final:.2f}")
