"""(k) tg.compile: one MLP training step, eager and compiled, against NumPy by hand, its GEMMs and PyTorch.

The step of ``bench_mlp.py`` (Linear → ReLU → Linear → ReLU → Linear, softmax cross-entropy, backward,
plain SGD; float32, CPU), in six forms, timed in one run:

- ``tinygrad_edu eager``: ``zero_grad``, forward, ``backward``, ``step`` as a user writes them;
- ``tinygrad_edu compiled``: the same step under ``tg.compile`` (replayed after two recordings);
- ``NumPy by hand``: the same math written out with no framework (the reference, 1.00x);
- ``GEMM floor``: only the step's eight matrix products, in the hand step's layouts (no bias, no
  ReLU, no loss, no update): what is left when every other cost is gone;
- ``PyTorch CPU`` and, where it works here, ``torch.compile`` (Inductor), when PyTorch is installed.

One BLAS / OpenMP thread for everyone (see ``bench_mlp.py``). Rounds of 10 consecutive steps per form,
median step; ``--runs`` repeats the whole comparison, to show how the ratios move between runs.

    python benchmarks/bench_compile.py              # both configurations, 3 runs
    python benchmarks/bench_compile.py --quick      # the small one, briefly
"""

import argparse
import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import bench_mlp  # first: it sets the BLAS threads before NumPy loads

THREADS = bench_mlp.THREADS  # one BLAS / OpenMP thread unless --threads says otherwise

import numpy as np  # noqa: E402  (after the thread settings)

import tinygrad_edu as tg  # noqa: E402
from benchmarks._timing import machine_lines, markdown_table  # noqa: E402
from benchmarks.bench_mlp import (  # noqa: E402
    CONFIGS,
    NumpyMLP,
    OursMLP,
    TorchMLP,
    initial_weights,
    median_steps,
    training_step,
)


class CompiledMLP(OursMLP):
    """The eager step of ``OursMLP``, compiled: ``.item()`` outside, on the returned loss."""

    def __init__(self, layers):
        super().__init__(layers)
        self.compiled = tg.compile(functools.partial(training_step, self))

    def step(self, x, y):
        return self.compiled(x, y).item()


class GemmFloor:
    """The step's eight matrix products alone: three forward, three weight gradients, two input
    gradients (the first layer's input needs none), in the layouts of ``NumpyMLP``."""

    def __init__(self, layers):
        self.weights = [w.copy() for w, _ in layers]

    def step(self, x, y):
        activations = [x]
        for w in self.weights:
            activations.append(activations[-1] @ w.T)
        grad = activations[-1]
        for i in range(len(self.weights) - 1, -1, -1):
            grad.T @ activations[i]
            if i > 0:
                grad = grad @ self.weights[i]
        return 0.0


class TorchCompiledMLP(TorchMLP):
    """PyTorch's step under ``torch.compile`` (Inductor), where it can compile here."""

    def __init__(self, layers):
        super().__init__(layers)
        self.compiled = self.torch.compile(functools.partial(training_step, self))

    def step(self, x, y):
        return self.compiled(x, y).item()


def runners_for(config, with_torch_compile):
    widths, batch = CONFIGS[config]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, widths[0])).astype(np.float32)
    y = rng.integers(0, widths[-1], batch)
    layers = initial_weights(widths)
    ours = (tg.tensor(x), tg.tensor(y))
    runners = {
        "NumPy by hand": (NumpyMLP(layers), (x, y)),
        "GEMM floor": (GemmFloor(layers), (x, y)),
        "tinygrad_edu eager": (OursMLP(layers), ours),
        "tinygrad_edu compiled": (CompiledMLP(layers), ours),
    }
    try:
        import torch
    except ImportError:
        print("PyTorch not installed: its columns are skipped")
        return runners
    torch.set_num_threads(int(THREADS))
    theirs = (torch.from_numpy(x), torch.from_numpy(y))
    runners["PyTorch CPU"] = (TorchMLP(layers), theirs)
    if with_torch_compile:
        try:
            compiled = TorchCompiledMLP(layers)
            compiled.step(*theirs)
            runners["torch.compile"] = (TorchCompiledMLP(layers), theirs)
        except Exception as error:  # no C compiler, no Triton, ...: say so and go on
            print(f"torch.compile is not available here ({type(error).__name__}): its column is skipped")
    return runners


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small configuration, a few rounds")
    parser.add_argument("--runs", type=int, default=None, help="repeat the whole comparison (default 3)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per configuration and run")
    parser.add_argument("--threads", default="1", help="BLAS/OpenMP threads (default 1; see bench_mlp.py)")
    parser.add_argument(
        "--torch-compile", action="store_true", help="also time torch.compile (slow to start)"
    )
    args = parser.parse_args()
    configs = list(CONFIGS)[:1] if args.quick else list(CONFIGS)
    runs = args.runs or (1 if args.quick else 3)
    print("\n".join(machine_lines(["torch"])))
    print(f"- BLAS / OpenMP threads: {THREADS} for every framework")
    print()
    rows = []
    for config in configs:
        runners = runners_for(config, args.torch_compile)
        rounds = args.rounds or (2 if args.quick else (20 if "128" in config else 3))
        per_run = [
            median_steps(runners, rounds, 1 if args.quick else 3, unchecked=("GEMM floor",))
            for _ in range(runs)
        ]
        for name in runners:
            ms = [run[name] * 1e3 for run in per_run]
            ratios = [run[name] / run["NumPy by hand"] for run in per_run]
            eager = [run[name] / run["tinygrad_edu eager"] for run in per_run]
            rows.append(
                [
                    config,
                    name,
                    ", ".join(f"{m:.2f}" for m in ms),
                    ", ".join(f"{r:.3f}x" for r in ratios),
                    ", ".join(f"{r:.3f}x" for r in eager),
                ]
            )
        compiled = runners["tinygrad_edu compiled"][0].compiled
        print(f"{config}: tg.compile stats {compiled.stats}")
    print()
    print(
        markdown_table(
            [
                "configuration",
                "step",
                "ms/step (median, each run)",
                "× NumPy by hand",
                "× tinygrad_edu eager",
            ],
            rows,
            "llrrr",
        )
    )


if __name__ == "__main__":
    main()
