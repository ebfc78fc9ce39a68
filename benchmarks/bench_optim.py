"""(d) Optimizer step time and memory on a 1M-parameter model, side by side with PyTorch's CPU step.

The model is four float32 tensors, (1000, 500), (500, 500), (500, 400) and (50000,): 1,000,000
parameters (3.8 MiB), with gradients set once to fixed random arrays (the step never sees a
backward pass). For each optimizer, one ``optimizer.step()`` is timed for tinygrad_edu and for
``torch.optim`` with ``foreach=False`` (its one-tensor-at-a-time path, the same shape of loop as
ours), in interleaved rounds of ``--steps`` steps each, after warm-up steps that create the state.
PyTorch runs twice: with its default thread count and with one thread (NumPy's elementwise
operations use one core; on a small shared machine PyTorch's threads can also be the slower
choice). Reported: the median time per step of each, and ours / the faster PyTorch setting.

Memory, for ours (``tracemalloc``, which sees NumPy's buffers): after warm-up, the peak above the
memory in use before one step (the temporaries the formula needs, freed as the step goes on), and
what the step leaves behind (0: nothing is allocated that outlives the step; the state was created
at the first step). Both in units of the largest parameter tensor (1.9 MiB) and of the whole
parameter set: the update runs one tensor at a time, so its temporaries are a few copies of one
tensor, never of the whole model.

glibc's ``malloc`` is pinned for both libraries (``mallopt``: no trimming, no ``mmap`` below 32 MiB)
unless ``--default-malloc`` is given. By default glibc hands freed memory at the top of the heap
back to the kernel once more than a threshold is free (twice the largest block it has unmapped so
far), and a step whose temporaries exceed it then page-faults all of them in again, every step:
whether that happens depends on what the process allocated before, not on the optimizer (a fresh
process that has never freed a block larger than one parameter is the worst case). Pinning makes
the numbers reproducible; ``--default-malloc`` shows the unpinned behaviour, with page faults per step.

    python benchmarks/bench_optim.py            # 15 rounds of 10 steps (a few minutes)
    python benchmarks/bench_optim.py --quick    # 3 rounds of 2 steps (a few seconds)
    python benchmarks/bench_optim.py --only Adam RMSprop
"""

import argparse
import ctypes
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _timing  # noqa: E402

SHAPES = [(1000, 500), (500, 500), (500, 400), (50_000,)]
WARMUP = 3

# name, keyword arguments (the same for both libraries), whether torch.optim has it
OPTIMIZERS = [
    ("SGD", {"lr": 0.01}, True),
    ("SGD", {"lr": 0.01, "momentum": 0.9}, True),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4}, True),
    ("Adagrad", {}, True),
    ("Adadelta", {}, True),
    ("RMSprop", {}, True),
    ("RMSprop", {"momentum": 0.9, "centered": True}, True),
    ("Adam", {}, True),
    ("Adam", {"amsgrad": True, "weight_decay": 1e-4}, True),
    ("AdamW", {}, True),
    ("Adamax", {}, True),
    ("NAdam", {}, True),
    ("Rprop", {}, True),
    ("GD", {"lr": 0.01}, False),
    ("Momentum", {"lr": 0.01}, False),
    ("NAG", {"lr": 0.01}, False),
]


def label(name, kwargs):
    extras = ", ".join(
        f"{k}={v}" for k, v in kwargs.items() if k != "lr" or name in ("GD", "Momentum", "NAG")
    )
    return f"{name}({extras})" if extras else name


def model_arrays():
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s, dtype=np.float32) * 0.1 for s in SHAPES]
    grads = [rng.standard_normal(s, dtype=np.float32) for s in SHAPES]
    return params, grads


class Ours:
    """tinygrad_edu's optimizer over the model, gradients assigned once."""

    def __init__(self, name, kwargs):
        import tinygrad_edu as tg

        params, grads = model_arrays()
        self.params = [tg.tensor(p, requires_grad=True, device="cpu") for p in params]
        for p, g in zip(self.params, grads):
            p.grad = tg.tensor(g, device="cpu")
        self.opt = getattr(tg.optim, name)(self.params, **kwargs)
        # NAG's step needs a closure (the gradient at the look-ahead point): here it leaves the
        # fixed gradients in place, so only the optimizer's own work is timed.
        fixed = [p.grad for p in self.params]

        def restore_grads():
            for p, g in zip(self.params, fixed):
                p.grad = g

        self.closure = restore_grads if name == "NAG" else None

    def step(self):
        self.opt.step(self.closure)


class Torch:
    """torch.optim's optimizer over the same model, ``foreach=False``, on ``threads`` threads."""

    def __init__(self, name, kwargs, threads):
        import torch

        self.torch, self.threads = torch, threads
        params, grads = model_arrays()
        self.params = [torch.tensor(p, requires_grad=True) for p in params]
        for p, g in zip(self.params, grads):
            p.grad = torch.tensor(g)
        self.opt = getattr(torch.optim, name)(self.params, foreach=False, **kwargs)

    def step(self):
        if self.torch.get_num_threads() != self.threads:
            self.torch.set_num_threads(self.threads)
        self.opt.step()


def pin_malloc():
    """Stop glibc from trimming the heap or mmap-ing blocks below 32 MiB; True when it took effect."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # the constants of <malloc.h>
    return libc.mallopt(m_trim_threshold, 1 << 30) == 1 and libc.mallopt(m_mmap_threshold, 1 << 25) == 1


def page_faults():
    """Minor page faults of this process so far (memory the kernel had to map in)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_steps(runner, steps):
    """Seconds per step over ``steps`` steps (gc.collect() before, outside the timed region)."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        runner.step()
    return (time.perf_counter() - start) / steps


def step_memory(runner):
    """(peak above the start, left behind) in bytes for one step, after warm-up."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        runner.step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start, current - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 steps (a few seconds)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds (default 15)")
    parser.add_argument("--steps", type=int, default=10, help="steps per round (default 10)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these optimizers (e.g. Adam RMSprop)")
    parser.add_argument("--default-malloc", action="store_true", help="leave glibc's malloc settings alone")
    args = parser.parse_args(argv)
    rounds, steps = (3, 2) if args.quick else (args.rounds, args.steps)
    pinned = not args.default_malloc and pin_malloc()

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing tinygrad_edu only.\n")
    default_threads = torch.get_num_threads() if torch is not None else None

    param_bytes = sum(int(np.prod(s)) for s in SHAPES) * 4
    largest = max(int(np.prod(s)) for s in SHAPES) * 4
    print("# Optimizer step on a 1M-parameter float32 model\n")
    print("\n".join(_timing.machine_lines(["torch"] if torch is not None else [])))
    if torch is not None:
        print(f"- PyTorch threads: {default_threads} (its default) and 1")
    print(f"- {rounds} interleaved rounds of {steps} steps after {WARMUP} warm-up steps; median per step")
    print(
        f"- glibc malloc: {'pinned (no trimming, no mmap below 32 MiB)' if pinned else 'default settings'}\n"
    )

    rows = []
    for name, kwargs, in_torch in OPTIMIZERS:
        if args.only and name not in args.only:
            continue
        runners = {"ours": Ours(name, kwargs)}
        if in_torch and torch is not None:
            runners["torch"] = Torch(name, kwargs, default_threads)
            runners["torch, 1 thread"] = Torch(name, kwargs, 1)
        for runner in runners.values():
            for _ in range(WARMUP):
                runner.step()
        times = {key: [] for key in runners}
        faults = {key: 0 for key in runners}
        for _ in range(rounds):
            for key, runner in runners.items():
                before = page_faults()
                times[key].append(time_steps(runner, steps))
                faults[key] += page_faults() - before
        median = {key: statistics.median(values) for key, values in times.items()}
        ours = median["ours"]
        theirs = [median[key] for key in ("torch", "torch, 1 thread") if key in median]
        peak, left = step_memory(runners["ours"])
        rows.append(
            [
                label(name, kwargs),
                f"{ours * 1e3:.2f}",
                *([f"{t * 1e3:.2f}" for t in theirs] if theirs else ["—", "—"]),
                f"**{ours / min(theirs):.2f}x**" if theirs else "—",
                f"{peak / largest:.1f} ({peak / param_bytes:.2f})",
                f"{left / 1024:.1f} KiB",
                " / ".join(f"{faults[key] / (rounds * steps):.0f}" for key in runners),
            ]
        )
        print(f"  measured {label(name, kwargs)}", file=sys.stderr)
    headers = [
        "optimizer",
        "ours ms/step",
        f"PyTorch ms/step ({default_threads} threads)",
        "PyTorch ms/step (1 thread)",
        "ours / faster PyTorch",
        "peak temporaries: largest tensors (parameter sets)",
        "left after the step",
        "page faults per step (ours / PyTorch / PyTorch 1 thread)",
    ]
    print(_timing.markdown_table(headers, rows))
    return rows


if __name__ == "__main__":
    main()
