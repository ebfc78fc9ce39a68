"""(c) Memory: peak and growth over 1,000 iterations of build graph -> backward -> drop.

One iteration is what a training step does to the graph: a fresh leaf, the 200-op chain of
``_frameworks.chain`` (``y * 0.999`` / ``+ 0.001`` alternately, then ``sum()``), ``backward()``,
and dropping every reference. Measured with ``tracemalloc``, which sees Python objects and NumPy's
array buffers (NumPy reports its allocations to it), for tinygrad_edu and the NumPy tape, on tiny
tensors (16 float64: the cost of the graph's Python objects) and on 8 KiB ones (1,024 float64: the
arrays dominate).

After 10 warm-up iterations the cyclic garbage collector is switched off, so memory comes back
only through reference counting; at the end, ``gc.collect()`` reports how many objects were left
in reference cycles. Reported, relative to the memory in use before the loop:

- peak: the most memory in use at any time during the loop (one iteration's graph and gradients,
  since each iteration frees the previous one), also per op of the chain;
- growth after 1, 10, 100 and 1,000 iterations (0 means nothing is kept from one iteration to the
  next); and what is still held after ``gc.collect()``.

    python benchmarks/bench_memory.py           # 1,000 iterations (about a minute)
    python benchmarks/bench_memory.py --quick   # 20 iterations (a few seconds)
"""

import argparse
import gc
import sys
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _frameworks, _timing  # noqa: E402

N_OPS = 200
SIZES = [16, 1024]
WARMUP = 10
CHECKPOINTS = [1, 10, 100, 1_000]


def measure_memory(framework, size, n_ops, iterations):
    """Peak and growth (bytes above the start) over ``iterations`` build -> backward -> drop."""
    x0 = np.linspace(0.1, 1.0, size)

    def step():
        framework.backward(framework.forward(n_ops, x0))  # the graph is dropped on return

    was_enabled = gc.isenabled()
    tracemalloc.start()
    try:
        for _ in range(WARMUP):
            step()
        gc.collect()
        gc.disable()
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        growth = {}
        for i in range(1, iterations + 1):
            step()
            if i in CHECKPOINTS or i == iterations:
                growth[i] = tracemalloc.get_traced_memory()[0] - start
        peak = tracemalloc.get_traced_memory()[1] - start
        in_cycles = gc.collect()
        after_collect = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    return {"peak": peak, "growth": growth, "in_cycles": in_cycles, "after_collect": after_collect}


def kib(n_bytes):
    return f"{n_bytes / 1024:,.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 iterations (a few seconds)")
    parser.add_argument("--iterations", type=int, help="iterations (default 1000; 20 with --quick)")
    parser.add_argument("--ops", type=int, default=N_OPS, help=f"ops in the chain (default {N_OPS})")
    args = parser.parse_args(argv)
    iterations = args.iterations or (20 if args.quick else 1_000)
    frameworks = [_frameworks.NumpyTape(), _frameworks.TinygradEdu()]

    print(f"## Memory: {iterations:,} iterations of build a {args.ops}-op graph -> backward -> drop\n")
    print("\n".join(_timing.machine_lines(timing=False)))
    print(f"- tracemalloc; {WARMUP} warm-up iterations; cyclic GC off during the loop\n")
    rows = []
    for size in SIZES:
        for framework in frameworks:
            r = measure_memory(framework, size, args.ops, iterations)
            growth = [kib(r["growth"][i]) for i in CHECKPOINTS if i in r["growth"]]
            if iterations not in CHECKPOINTS:
                growth.append(kib(r["growth"][iterations]))
            rows.append(
                [
                    framework.label,
                    f"{size:,} ({kib(size * 8)} KiB)",
                    kib(r["peak"]),
                    f"{r['peak'] / args.ops:,.0f}",
                    " / ".join(growth),
                    f"{r['in_cycles']:,}",
                    kib(r["after_collect"]),
                ]
            )
    checkpoints = [i for i in CHECKPOINTS if i <= iterations]
    if iterations not in checkpoints:
        checkpoints.append(iterations)
    headers = [
        "framework",
        "tensor size (float64)",
        "peak KiB",
        "peak bytes/op",
        "growth KiB after " + " / ".join(f"{i:,}" for i in checkpoints) + " it.",
        "objects in cycles",
        "held after gc.collect() KiB",
    ]
    print(_timing.markdown_table(headers, rows))


if __name__ == "__main__":
    main()
