"""(g) DataLoader overhead: one MLP training epoch fed by ``tg.data.DataLoader`` vs by hand.

The epoch: shuffle, then for each mini-batch Linear(64→128) → ReLU → Linear(128→10),
cross-entropy, backward, SGD step — float32 on the CPU. "By hand" draws the same kind of
permutation and fancy-indexes the raw feature and label arrays once per batch (the floor: no
loader at all). The bar: the loader adds at most 10% to the epoch's time. A data-only column
times just producing the batches, to show the loader's cost per batch in absolute terms.

Timing: ``repeat`` rounds, each one epoch of each variant in turn; median epoch.

    python benchmarks/bench_loader.py            # digits (if scikit-learn), synthetic 10k×64
    python benchmarks/bench_loader.py --quick    # a few seconds
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import tinygrad_edu as tg  # noqa: E402
from benchmarks._timing import machine_lines, markdown_table, time_once  # noqa: E402
from tinygrad_edu.data import DataLoader, TensorDataset  # noqa: E402


def synthetic(n, features=64, classes=10):
    """Random features and labels of the digits' width."""
    tg.manual_seed(0)
    return tg.randn(n, features), tg.randint(0, classes, (n,))


def digits():
    """scikit-learn's digits training split, or None where scikit-learn is missing."""
    try:
        x, y, _, _ = tg.data.datasets.load_digits()
    except ImportError:
        return None
    return x, y


def make_model():
    tg.manual_seed(1)
    model = tg.nn.Sequential(tg.nn.Linear(64, 128), tg.nn.ReLU(), tg.nn.Linear(128, 10))
    return model, tg.optim.SGD(model.parameters(), lr=0.01), tg.nn.CrossEntropyLoss()


def train_step(model, optimizer, loss_fn, xb, yb):
    optimizer.zero_grad()
    loss_fn(model(xb), yb).backward()
    optimizer.step()


def batches_by_hand(x, y, batch_size):
    """The same batches without a loader: one permutation, raw arrays indexed per batch."""
    xp = x._backend()
    order = xp.argsort(xp.rng.random(x.shape[0]))
    for start in range(0, x.shape[0], batch_size):
        index = order[start : start + batch_size]
        yield tg.Tensor._make(x.data[index]), tg.Tensor._make(y.data[index])


def epoch(batches, step=None):
    for xb, yb in batches():
        if step is not None:
            step(xb, yb)


def run(name, x, y, batch_size, repeat):
    """Median epoch times (train and data-only) of both variants, and the loader's overhead."""
    model, optimizer, loss_fn = make_model()

    def step(xb, yb):
        train_step(model, optimizer, loss_fn, xb, yb)

    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    variants = {"by hand": lambda: batches_by_hand(x, y, batch_size), "loader": lambda: iter(loader)}
    times = {(v, kind): [] for v in variants for kind in ("train", "data")}
    for _ in range(repeat + 1):  # the first round warms up
        for v, batches in variants.items():
            times[v, "train"].append(time_once(lambda b=batches: epoch(b, step)))
            times[v, "data"].append(time_once(lambda b=batches: epoch(b)))
    median = {key: statistics.median(t[1:]) for key, t in times.items()}
    overhead = median["loader", "train"] / median["by hand", "train"] - 1
    per_batch_us = (median["loader", "data"] - median["by hand", "data"]) / len(loader) * 1e6
    return [
        name,
        batch_size,
        len(loader),
        f"{median['by hand', 'train'] * 1e3:.1f}",
        f"{median['loader', 'train'] * 1e3:.1f}",
        f"{overhead:+.1%}",
        f"{median['by hand', 'data'] * 1e3:.2f} / {median['loader', 'data'] * 1e3:.2f}",
        f"{per_batch_us:.1f}",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller data")
    args = parser.parse_args()
    repeat = 3 if args.quick else 11
    cases = []
    data = digits()
    if data is not None:
        cases.append(("digits (1437×64)", *data, 32))
    n = 2_000 if args.quick else 10_000
    x, y = synthetic(n)
    cases += [(f"synthetic {n}×64", x, y, 64), (f"synthetic {n}×64", x, y, 8)]
    rows = [run(name, x, y, batch, repeat) for name, x, y, batch in cases]
    headers = [
        "data", "batch", "batches", "by hand (ms/epoch)", "DataLoader (ms/epoch)", "overhead",
        "data only: hand / loader (ms)", "loader cost per batch (µs)",
    ]  # fmt: skip
    print("\n".join(machine_lines()))
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    main()
