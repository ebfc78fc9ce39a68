"""A PyTorch tutorial program runs unchanged on tinygrad_edu, but for its import lines.

The program below is written for PyTorch. The test runs the same source text twice: with
``import torch`` (when PyTorch is installed) and with ``import tinygrad_edu as torch``; both must
learn the task. A second test trains the same network in both libraries from the same initial
weights and compares the losses step by step.
"""

import numpy as np
import pytest

import tinygrad_edu as tg

TORCH_IMPORTS = """
import torch
import torch.nn as nn
import torch.nn.functional as F
"""

OUR_IMPORTS = """
import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
"""

PROGRAM = """
torch.manual_seed(0)

# Data: points in the plane, labelled by the quadrant sign of x0 * x1 (an XOR pattern).
X = torch.randn(256, 2)
y = (X[:, 0] * X[:, 1] > 0).long()


class MLP(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.body = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Dropout(0.1))
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        x = F.relu(self.bn(self.fc1(x)))
        return self.head(self.body(x))


model = MLP()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)


def evaluate():
    model.eval()
    with torch.no_grad():
        logits = model(X)
        return criterion(logits, y).item(), (logits.argmax(dim=1) == y).float().mean().item()


initial_loss, _ = evaluate()
for epoch in range(40):
    model.train()
    permutation = torch.randperm(len(X))
    for start in range(0, len(X), 64):
        batch = permutation[start:start + 64]
        optimizer.zero_grad()
        loss = criterion(model(X[batch]), y[batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        optimizer.step()
final_loss, accuracy = evaluate()

# Checkpoint and restore into a fresh model.
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 40}, checkpoint_path)
checkpoint = torch.load(checkpoint_path)
restored = MLP()
restored.load_state_dict(checkpoint["model"])
restored.eval()
with torch.no_grad():
    agreement = (restored(X).argmax(dim=1) == model(X).argmax(dim=1)).float().mean().item()
n_parameters = sum(p.numel() for p in model.parameters())
"""


def run(imports, checkpoint_path):
    namespace = {"checkpoint_path": str(checkpoint_path)}
    exec(compile(imports + PROGRAM, "<tutorial>", "exec"), namespace)
    return namespace


def check_learned(result):
    assert result["final_loss"] < 0.3 * result["initial_loss"]
    assert result["accuracy"] > 0.9
    assert result["agreement"] == 1.0
    assert result["checkpoint"]["epoch"] == 40


def test_tutorial_runs_on_tinygrad_edu(tmp_path, device):
    result = run(OUR_IMPORTS, tmp_path / "ckpt.npz")
    check_learned(result)
    assert result["n_parameters"] == 2 * 32 + 32 + 2 * 32 + 32 * 32 + 32 + 32 * 2 + 2
    assert result["model"].fc1.weight.device == device


def test_the_same_program_runs_on_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: PyTorch's thread pool only adds overhead (20x on 2 cores)
    try:
        check_learned(run(TORCH_IMPORTS, tmp_path / "ckpt.pt"))
    finally:
        torch.set_num_threads(threads)


def test_training_matches_pytorch_step_by_step():
    """Same weights, same data, same optimizer: the losses agree at every step."""
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.Sequential(nn.Linear(3, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))

    theirs = build(torch.nn).double()
    ours = build(tg.nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((32, 3)), rng.integers(0, 4, 32)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    opt_o = tg.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    for _ in range(15):
        losses = {}
        for lib, model, opt in ((torch, theirs, opt_t), (tg, ours, opt_o)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(labels))
            loss.backward()
            opt.step()
            losses[lib] = loss.item()
        assert losses[tg] == pytest.approx(losses[torch], rel=1e-9)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-8, atol=1e-10, err_msg=key)
