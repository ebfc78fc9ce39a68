"""(e) One MLP training step: tinygrad_edu's nn/optim vs the same step written out by hand in NumPy.

The step: Linear → ReLU → Linear → ReLU → Linear, softmax cross-entropy (mean over the batch),
backward, plain SGD update — float32, on the CPU. The hand-written NumPy step computes exactly
that math with no framework at all (forward, the backward of each layer by hand, the update): the
floor for any NumPy-based framework. PyTorch CPU runs the same step where it is installed.

Timing: rounds of 10 consecutive steps of each framework in turn, median step. Memory: tracemalloc's
peak during one step above what was allocated before it (NumPy buffers included), ours vs the
hand-written step.

    python benchmarks/bench_mlp.py            # both configurations of the issue
    python benchmarks/bench_mlp.py --quick    # a few seconds
"""

import argparse
import gc
import itertools
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _threads_from_argv(default="1"):
    """BLAS threads, set before NumPy loads: on this 2-core VM, NumPy's OpenBLAS threads and
    PyTorch's OpenMP threads spinning in one process slow each other down by up to 50x, which
    would measure the contention, not the frameworks. One thread each is the default."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return default


THREADS = _threads_from_argv()
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, THREADS)

import numpy as np  # noqa: E402  (after the thread settings above)

import tinygrad_edu as tg  # noqa: E402
from benchmarks._timing import machine_lines, markdown_table  # noqa: E402

CONFIGS = {  # name: (layer widths, batch)
    "784-256-256-10, batch 128": ((784, 256, 256, 10), 128),
    "784-1024-1024-10, batch 1024": ((784, 1024, 1024, 10), 1024),
}
LR = 0.01
# Each round runs BLOCK consecutive steps of one framework, then of the next. Alternating single
# steps between frameworks would make glibc's malloc map and unmap the large arrays of one model
# while the other runs (its adaptive mmap threshold keeps changing), adding page faults to every
# step that a training loop, which runs one model, never sees.
BLOCK = 10


def initial_weights(widths, seed=0):
    """(W, b) per layer in PyTorch's layout (out, in), float32."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(widths):
        bound = 1 / np.sqrt(fan_in)
        layers.append(
            (
                rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                rng.uniform(-bound, bound, fan_out).astype(np.float32),
            )
        )
    return layers


class NumpyMLP:
    """The step written out by hand: the floor for a NumPy framework."""

    def __init__(self, layers):
        self.layers = [(w.copy(), b.copy()) for w, b in layers]

    def step(self, x, y):
        activations, pre = [x], []
        for i, (w, b) in enumerate(self.layers):
            z = activations[-1] @ w.T + b
            pre.append(z)
            activations.append(np.maximum(z, 0) if i < len(self.layers) - 1 else z)
        logits = activations[-1]
        shifted = logits - logits.max(1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(1, keepdims=True)
        rows = np.arange(len(y))
        loss = np.log(total[:, 0]).mean() - shifted[rows, y].mean()
        grad = exp / total  # d loss / d logits = (softmax − onehot) / N
        grad[rows, y] -= 1
        grad /= len(y)
        for i in range(len(self.layers) - 1, -1, -1):
            w, b = self.layers[i]
            grad_w, grad_b = grad.T @ activations[i], grad.sum(0)
            if i > 0:
                grad = (grad @ w) * (pre[i - 1] > 0)
            w -= LR * grad_w
            b -= LR * grad_b
        return float(loss)


def training_step(runner, x, y):
    """The step a user writes, for ``OursMLP`` and ``TorchMLP`` alike: returns the loss tensor."""
    runner.optimizer.zero_grad()
    loss = runner.loss(runner.model(x), y)
    loss.backward()
    runner.optimizer.step()
    return loss


class OursMLP:
    """The step with tinygrad_edu's nn, loss and optimizer: what a user writes."""

    def __init__(self, layers):
        modules = []
        for i, (w, b) in enumerate(layers):
            linear = tg.nn.Linear(w.shape[1], w.shape[0])
            linear.load_state_dict({"weight": w, "bias": b})
            modules += [linear, tg.nn.ReLU()] if i < len(layers) - 1 else [linear]
        self.model = tg.nn.Sequential(*modules)
        self.loss = tg.nn.CrossEntropyLoss()
        self.optimizer = tg.optim.SGD(self.model.parameters(), lr=LR)

    def step(self, x, y):
        return training_step(self, x, y).item()


class TorchMLP:
    """The same step in PyTorch (CPU)."""

    def __init__(self, layers):
        import torch

        self.torch = torch
        modules = []
        for i, (w, b) in enumerate(layers):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            linear.load_state_dict({"weight": torch.from_numpy(w.copy()), "bias": torch.from_numpy(b.copy())})
            modules += [linear, torch.nn.ReLU()] if i < len(layers) - 1 else [linear]
        self.model = torch.nn.Sequential(*modules)
        self.loss = torch.nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR, foreach=False)

    def step(self, x, y):
        return training_step(self, x, y).item()


def peak_bytes(step):
    """tracemalloc's peak during one call of ``step()``, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak


def median_steps(runners, rounds, warmup, unchecked=()):
    """Median seconds per step of each runner (name: (runner, args)), once the first steps' losses
    agree with the hand-written one's (but for the ``unchecked``): ``rounds`` rounds of ``BLOCK``
    consecutive steps each."""
    first = {name: runner.step(*args) for name, (runner, args) in runners.items()}
    reference = first["NumPy by hand"]
    for name, loss in first.items():  # the same step from the same weights: the same loss
        if name not in unchecked:
            assert abs(loss - reference) < 1e-4 * max(1.0, abs(reference)), (name, loss, reference)
    for _ in range(warmup):
        for runner, args in runners.values():
            runner.step(*args)
    times = {name: [] for name in runners}
    for _ in range(rounds):
        for name, (runner, args) in runners.items():
            gc.collect()
            for _ in range(BLOCK):  # consecutive steps, as in training (see BLOCK)
                start = time.perf_counter()
                runner.step(*args)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def run(config, rounds, warmup):
    widths, batch = CONFIGS[config]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, widths[0])).astype(np.float32)
    y = rng.integers(0, widths[-1], batch)
    layers = initial_weights(widths)
    runners = {
        "NumPy by hand": (NumpyMLP(layers), (x, y)),
        "tinygrad_edu": (OursMLP(layers), (tg.tensor(x), tg.tensor(y))),
    }
    try:
        import torch

        torch.manual_seed(0)
        torch.set_num_threads(int(THREADS))
        runners["PyTorch CPU"] = (TorchMLP(layers), (torch.from_numpy(x), torch.from_numpy(y)))
    except ImportError:
        print("PyTorch not installed: its column is skipped")
    medians = median_steps(runners, rounds, warmup)
    peaks = {
        name: peak_bytes(lambda r=runner, a=args: r.step(*a))
        for name, (runner, args) in runners.items()
        if name != "PyTorch CPU"
    }
    return medians, peaks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds of the small configuration")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per configuration")
    parser.add_argument("--threads", default="1", help="BLAS/OpenMP threads for every framework (default 1)")
    args = parser.parse_args()
    configs = list(CONFIGS)[:1] if args.quick else list(CONFIGS)
    print("\n".join(machine_lines(["torch"])))
    print(f"- BLAS / OpenMP threads: {THREADS} for every framework")
    print()
    rows = []
    for config in configs:
        rounds = args.rounds or (2 if args.quick else (20 if "128" in config else 3))
        medians, peaks = run(config, rounds, warmup=1 if args.quick else 3)
        floor = medians["NumPy by hand"]
        for name, seconds in medians.items():
            peak = (
                f"{peaks[name] / 2**20:.1f} MiB ({peaks[name] / peaks['NumPy by hand']:.2f}x)"
                if name in peaks
                else "n/a"
            )
            rows.append([config, name, f"{seconds * 1e3:.2f}", f"{seconds / floor:.3f}x", peak])
    print(
        markdown_table(
            ["configuration", "framework", "ms/step (median)", "× NumPy by hand", "peak memory of a step"],
            rows,
            "llrrr",
        )
    )


if __name__ == "__main__":
    main()
