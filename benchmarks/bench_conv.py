"""(e) A small CNN training step on the CPU: tinygrad_edu vs PyTorch vs a hand-written NumPy step.

The network (float32, NCHW, a batch of 64 MNIST-sized 28×28 images)::

    conv 1→8, 3×3, padding 1 → ReLU → max-pool 2 → conv 8→16, 3×3, padding 1 → ReLU → max-pool 2
    → flatten (16·7·7 = 784) → linear 784→10 → cross-entropy

and one step is forward, loss, backward and a plain SGD update under ``no_grad``
(``p -= lr * p.grad; p.grad = None``). tinygrad_edu and PyTorch run the very same Python function
(``cnn_step``) through ``nn.functional``; the NumPy step is written by hand: im2col by a loop over
the 3×3 kernel taps, one matrix product per convolution, 2×2 pooling by a reshape, and every
backward formula spelled out. All three start from the same weights and batch; before timing, two
steps of each are checked to give the same losses and weights as PyTorch (float32 tolerance).

Timing (``_timing.py``): warm-up steps, then interleaved rounds (one step of each framework per
round); median per step, best, interquartile range, and the ratios.

    python benchmarks/bench_conv.py            # about a minute
    python benchmarks/bench_conv.py --quick    # a few seconds
    python benchmarks/bench_conv.py --profile  # also a cProfile table of tinygrad_edu's step
    python benchmarks/bench_conv.py --torch-threads 1   # PyTorch on one thread
"""

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as tg_functional  # noqa: E402
from benchmarks import _timing  # noqa: E402

BATCH, SIDE, CLASSES = 64, 28, 10
LR = 0.05
RTOL = 2e-4  # float32, two steps: losses and weights agree to ~1e-6 relative in practice


# ---- the model: one function for tinygrad_edu and PyTorch -------------------------------------------


def cnn_step(lib, functional, params, x, target, lr):
    """One SGD step of the CNN; ``lib`` is ``tinygrad_edu`` or ``torch``, ``functional`` its
    ``nn.functional``. Returns the loss."""
    w1, b1, w2, b2, w3, b3 = params
    h = functional.max_pool2d(functional.conv2d(x, w1, b1, padding=1).relu(), 2)
    h = functional.max_pool2d(functional.conv2d(h, w2, b2, padding=1).relu(), 2)
    logits = functional.linear(h.reshape(h.shape[0], -1), w3, b3)
    loss = functional.cross_entropy(logits, target)
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def initial_params(seed=0):
    """He-initialised float32 weights (host arrays), shared by every framework."""
    rng = np.random.default_rng(seed)
    shapes = [(8, 1, 3, 3), (8,), (16, 8, 3, 3), (16,), (CLASSES, 16 * 7 * 7), (CLASSES,)]
    params = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        scale = np.sqrt(2.0 / fan_in) if len(shape) > 1 else 0.01
        params.append((rng.standard_normal(shape) * scale).astype(np.float32))
    return params


def batch(size, seed=1):
    rng = np.random.default_rng(seed)
    images = rng.random((size, 1, SIDE, SIDE), dtype=np.float32)
    return images, rng.integers(0, CLASSES, size)


# ---- the same step by hand in NumPy ----------------------------------------------------------------------


def im2col(x, k, pad):
    """(N, C, H, W) → (N, C·k·k, H·W) for a k×k kernel, stride 1, ``pad`` zeros (same-size output)."""
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    padded[:, :, pad : pad + h, pad : pad + w] = x
    cols = np.empty((n, c, k, k, h, w), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = padded[:, :, i : i + h, j : j + w]
    return cols.reshape(n, c * k * k, h * w)


def col2im(cols, shape, k, pad):
    """The adjoint of ``im2col``: sum the tap columns back onto the (unpadded) image."""
    n, c, h, w = shape
    cols = cols.reshape(n, c, k, k, h, w)
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            padded[:, :, i : i + h, j : j + w] += cols[:, :, i, j]
    return padded[:, :, pad : pad + h, pad : pad + w]


def conv_forward(x, w, b):
    cols = im2col(x, 3, 1)
    out = (w.reshape(w.shape[0], -1) @ cols).reshape(x.shape[0], w.shape[0], *x.shape[2:])
    return out + b.reshape(1, -1, 1, 1), cols


def conv_backward(dout, x_shape, w, cols):
    n, o = dout.shape[:2]
    dy = dout.reshape(n, o, -1)
    dw = (dy @ cols.transpose(0, 2, 1)).sum(0).reshape(w.shape)
    dx = col2im(w.reshape(o, -1).T @ dy, x_shape, 3, 1)
    return dx, dw, dout.sum((0, 2, 3))


def pool_forward(x):
    """2×2 max-pool by a reshape; the mask marks each window's first maximum."""
    n, c, h, w = x.shape
    windows = (
        x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    )
    first = windows.argmax(-1)
    mask = np.arange(4) == first[..., None]
    return np.take_along_axis(windows, first[..., None], -1)[..., 0], mask


def pool_backward(dout, mask):
    n, c, h, w, _ = mask.shape
    windows = np.where(mask, dout[..., None], 0).reshape(n, c, h, w, 2, 2)
    return windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


def numpy_step(params, x, target, lr):
    """The CNN step by hand: forward, cross-entropy, every backward formula, the update (in place)."""
    w1, b1, w2, b2, w3, b3 = params
    n = x.shape[0]
    z1, cols1 = conv_forward(x, w1, b1)
    a1 = np.maximum(z1, 0)
    p1, mask1 = pool_forward(a1)
    z2, cols2 = conv_forward(p1, w2, b2)
    a2 = np.maximum(z2, 0)
    p2, mask2 = pool_forward(a2)
    flat = p2.reshape(n, -1)
    logits = flat @ w3.T + b3
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    loss = -log_p[np.arange(n), target].mean()

    dlogits = np.exp(log_p)
    dlogits[np.arange(n), target] -= 1
    dlogits /= n
    dw3, db3 = dlogits.T @ flat, dlogits.sum(0)
    dp2 = (dlogits @ w3).reshape(p2.shape)
    dz2 = pool_backward(dp2, mask2) * (z2 > 0)
    dp1, dw2, db2 = conv_backward(dz2, p1.shape, w2, cols2)
    dz1 = pool_backward(dp1, mask1) * (z1 > 0)
    _, dw1, db1 = conv_backward(dz1, x.shape, w1, cols1)
    for p, g in zip(params, (dw1, db1, dw2, db2, dw3, db3)):
        p -= lr * g
    return loss


# ---- the three contenders ---------------------------------------------------------------------------------


class Ours:
    label = "tinygrad_edu (NumPy)"

    def __init__(self, params, images, labels):
        self.params = [tg.tensor(p, requires_grad=True) for p in params]
        self.x, self.y = tg.tensor(images), tg.tensor(labels)

    def step(self):
        return cnn_step(tg, tg_functional, self.params, self.x, self.y, LR).item()

    def weights(self):
        return [p.detach().numpy() for p in self.params]


class Torch:
    label = "PyTorch (CPU)"

    def __init__(self, params, images, labels):
        import torch

        self.torch = torch
        count = torch.get_num_threads()
        self.label = f"PyTorch (CPU, {count} thread{'s' if count > 1 else ''})"
        self.params = [torch.tensor(p, requires_grad=True) for p in params]
        self.x, self.y = torch.from_numpy(images), torch.from_numpy(labels)

    def step(self):
        return cnn_step(self.torch, self.torch.nn.functional, self.params, self.x, self.y, LR).item()

    def weights(self):
        return [p.detach().numpy() for p in self.params]


class HandNumpy:
    label = "hand-written NumPy step"

    def __init__(self, params, images, labels):
        self.params = [p.copy() for p in params]
        self.x, self.y = images, labels

    def step(self):
        return float(numpy_step(self.params, self.x, self.y, LR))

    def weights(self):
        return self.params


def contenders(params, images, labels):
    """Ours, PyTorch (skipped when it is not installed) and the NumPy step."""
    found, skipped = [Ours(params, images, labels)], []
    try:
        found.append(Torch(params, images, labels))
    except ImportError as error:
        skipped.append(f"PyTorch ({error})")
    return found + [HandNumpy(params, images, labels)], skipped


def check_agreement(params, images, labels):
    """Two steps of each from the same start must agree (losses and weights) with the first that
    is PyTorch, else with ours. Returns the largest relative difference seen."""
    runs, _ = contenders(params, images, labels)
    losses = [[run.step() for _ in range(2)] for run in runs]
    reference = next((k for k, run in enumerate(runs) if isinstance(run, Torch)), 0)
    worst = 0.0
    for k, run in enumerate(runs):
        for a, b in zip(losses[k], losses[reference]):
            worst = max(worst, abs(a - b) / abs(b))
        for mine, theirs in zip(run.weights(), runs[reference].weights()):
            worst = max(worst, float(np.abs(mine - theirs).max() / np.abs(theirs).max()))
        if worst > RTOL:
            raise AssertionError(f"{run.label} disagrees with {runs[reference].label}: {worst:.2e}")
    return worst


def time_steps(runs, repeat, warmup):
    for run in runs:
        for _ in range(warmup):
            run.step()
    times = {run.label: [] for run in runs}
    for _ in range(repeat):
        for run in runs:
            times[run.label].append(_timing.time_once(run.step))
    return {label: _timing.summarize(t) for label, t in times.items()}


def results_table(runs, stats, batch_size):
    numpy_ms = stats[HandNumpy.label].median
    torch_stats = next((stats[run.label] for run in runs if isinstance(run, Torch)), None)
    rows = []
    for run in runs:
        s = stats[run.label]
        rows.append(
            [
                run.label,
                f"{s.median * 1e3:.1f}",
                f"{s.best * 1e3:.1f}",
                f"{s.spread * 100:.0f}%",
                f"{batch_size / s.median:,.0f}",
                f"{s.median / numpy_ms:.2f}x",
                f"{s.median / torch_stats.median:.2f}x" if torch_stats else "n/a",
            ]
        )
    headers = ["framework", "median ms/step", "best ms", "IQR", "images/s", "× NumPy step", "× PyTorch"]
    return _timing.markdown_table(headers, rows)


def profile_ours(params, images, labels, steps, top):
    """cProfile of tinygrad_edu's step: the top functions by own time, per step."""
    ours = Ours(params, images, labels)
    ours.step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        ours.step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in entries:
        where = Path(filename)
        where = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where.name
        rows.append(
            [
                f"`{function}` ({where}:{line})",
                f"{calls / steps:.0f}",
                f"{tottime / steps * 1e3:.2f}",
                f"{cumtime / steps * 1e3:.2f}",
            ]
        )
    return [
        f"### cProfile of tinygrad_edu: {steps} steps "
        f"({stats.total_tt / steps * 1e3:.1f} ms/step under the profiler)",
        "",
        _timing.markdown_table(["function", "calls/step", "own ms/step", "cumulative ms/step"], rows),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a few seconds)")
    parser.add_argument("--batch", type=int, help=f"images per step (default {BATCH}; 8 with --quick)")
    parser.add_argument("--repeat", type=int, help="timed rounds (default 30; 3 with --quick)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps of each framework first")
    parser.add_argument("--profile", action="store_true", help="also cProfile tinygrad_edu's step")
    parser.add_argument("--torch-threads", type=int, help="torch.set_num_threads (default: PyTorch's)")
    args = parser.parse_args(argv)
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    batch_size = args.batch or (8 if args.quick else BATCH)
    repeat = args.repeat or (3 if args.quick else 30)
    warmup = 1 if args.quick else args.warmup

    params = initial_params()
    images, labels = batch(batch_size)
    worst = check_agreement(params, images, labels)
    runs, skipped = contenders(params, images, labels)
    print(f"## CNN training step: batch {batch_size} of 1×{SIDE}×{SIDE}, float32, CPU\n")
    print(
        "conv 1→8 3×3 pad 1, ReLU, max-pool 2, conv 8→16 3×3 pad 1, ReLU, max-pool 2, linear 784→10, "
        f"cross-entropy, SGD (lr {LR}); {repeat} interleaved rounds after {warmup} warm-up step(s). "
        f"Two checked steps agree with the reference to {worst:.1e} (relative).\n"
    )
    print("\n".join(_timing.machine_lines(["torch"])))
    for why in skipped:
        print(f"- skipped {why}")
    print()
    stats = time_steps(runs, repeat, warmup)
    print(results_table(runs, stats, batch_size))
    if args.profile:
        print()
        print("\n".join(profile_ours(params, images, labels, steps=3 if args.quick else 20, top=15)))


if __name__ == "__main__":
    main()
