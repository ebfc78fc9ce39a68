"""GPU: one MLP training step of tinygrad_edu on "cuda" (CuPy), side by side with PyTorch CUDA.

The step (``mlp_step``) is the same Python function for both frameworks, since the APIs match: a
784-1024-1024-10 MLP with ReLU, cross-entropy written as ``log_softmax`` + ``gather`` + ``mean``,
``loss.backward()``, and plain SGD under ``no_grad`` (``p -= lr * p.grad; p.grad = None``), on a
batch of 4096 float32 samples. Both start from the same weights; before timing, two steps of
each are checked to give the same losses and weights (float32 tolerance).

Timing: warm-up steps first; then rounds that run one step of each framework in turn
(interleaved, so drifts of the machine hit all alike), each step timed on its own with
``time.perf_counter`` between two device synchronizations (``cupy.cuda.Device().synchronize()``,
``torch.cuda.synchronize()``), since GPU work is asynchronous. Reported: the median per step, the
best, the interquartile range and the ratio to PyTorch.

    python benchmarks/bench_gpu_mlp.py                  # GPU: ours (CuPy) vs PyTorch CUDA
    python benchmarks/bench_gpu_mlp.py --device cpu     # the same script on the CPU (+ a NumPy step)
    python benchmarks/bench_gpu_mlp.py --smoke          # 2 tiny steps (a few seconds)
    python benchmarks/bench_gpu_mlp.py --smoke --stand-in   # ... on the strict stand-in as "cuda"

Without CuPy or a GPU, ``--device cuda`` prints why and exits (status 0). ``--stand-in`` registers
the test suite's strict stand-in backend (NumPy behind a wall, ``tinygrad_edu/backend/strict.py``)
as "cuda", so the "cuda" code path of this script runs without a GPU; its times mean nothing.
"""

import argparse
import contextlib
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tinygrad_edu as tg  # noqa: E402
from benchmarks import _timing  # noqa: E402
from tinygrad_edu import backend  # noqa: E402

SIZES = (784, 1024, 1024, 10)
BATCH = 4096
LR = 0.01
SMOKE_SIZES = (784, 32, 32, 10)
SMOKE_BATCH = 16
RTOL = 1e-4  # float32: losses and weights of different frameworks agree to ~1e-6 relative


# ---- the model: one function for tinygrad_edu and PyTorch -------------------------------------------


def mlp_step(lib, params, x, target, lr):
    """One SGD step of the MLP; ``lib`` is ``tinygrad_edu`` or ``torch``. ``target`` is the (batch, 1)
    tensor of class indices (picked with ``gather``) or the pair (rows, classes) (picked by advanced
    indexing). Returns the loss."""
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    log_p = logits.log_softmax(1)
    picked = log_p[target] if isinstance(target, tuple) else log_p.gather(1, target)
    loss = -picked.mean()  # cross-entropy: -mean log p(target)
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def numpy_step(params, x, y, lr):
    """The same step written by hand in NumPy (forward, backward, update), in place on ``params``."""
    w1, b1, w2, b2, w3, b3 = params
    batch = x.shape[0]
    rows = np.arange(batch)
    target = y[:, 0]
    h1 = x @ w1 + b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ w2 + b2
    a2 = np.maximum(h2, 0)
    z = a2 @ w3 + b3
    z = z - z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -(z[rows, target] - log_sum[:, 0]).mean()
    dz = np.exp(z - log_sum)  # softmax
    dz[rows, target] -= 1
    dz /= batch
    da2 = dz @ w3.T
    dh2 = da2 * (h2 > 0)
    da1 = dh2 @ w2.T
    dh1 = da1 * (h1 > 0)
    grads = (x.T @ dh1, dh1.sum(0), a1.T @ dh2, dh2.sum(0), a2.T @ dz, dz.sum(0))
    for p, g in zip(params, grads):
        p -= lr * g
    return np.float32(loss)


def initial_state(sizes, batch, seed=0):
    """Host float32 weights (He init, small biases), inputs and int64 targets of shape (batch, 1)."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32))
        params.append((rng.standard_normal(fan_out) * 0.01).astype(np.float32))
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], (batch, 1)).astype(np.int64)
    return params, x, y


# ---- one adapter per framework ------------------------------------------------------------------------


class Ours:
    """tinygrad_edu on ``device``."""

    def __init__(self, device, state, lr, pick):
        params, x, y = state
        self.device = device
        self.label = f"tinygrad_edu ({'CuPy' if device == 'cuda' else 'NumPy'})"
        if device == "cuda" and not _is_cupy(backend.get_backend("cuda")):
            self.label = "tinygrad_edu (strict stand-in, not a GPU)"
        self.params = [tg.tensor(p, device=device, requires_grad=True) for p in params]
        self.x, y = tg.tensor(x, device=device), tg.tensor(y, device=device)
        self.target = y if pick == "gather" else (tg.arange(len(x), device=device), y.reshape(-1))
        self.lr = lr
        self.sync = _cupy_sync if device == "cuda" and _is_cupy(backend.get_backend("cuda")) else _no_sync

    def step(self):
        return mlp_step(tg, self.params, self.x, self.target, self.lr)

    def loss(self, value):
        return value.item()

    def weights(self):
        return [p.detach().numpy() for p in self.params]


class Torch:
    """PyTorch on ``device``."""

    def __init__(self, torch, device, state, lr, pick):
        params, x, y = state
        self.torch = torch
        self.device = device
        self.label = f"PyTorch {torch.__version__} ({device.upper() if device == 'cpu' else 'CUDA'})"
        self.params = [torch.tensor(p, device=device, requires_grad=True) for p in params]
        self.x, y = torch.tensor(x, device=device), torch.tensor(y, device=device)
        self.target = y if pick == "gather" else (torch.arange(len(x), device=device), y.reshape(-1))
        self.lr = lr
        self.sync = torch.cuda.synchronize if device == "cuda" else _no_sync

    def step(self):
        return mlp_step(self.torch, self.params, self.x, self.target, self.lr)

    def loss(self, value):
        return value.item()

    def weights(self):
        return [p.detach().cpu().numpy() for p in self.params]


class NumpyStep:
    """The hand-written NumPy step (CPU only): the floor of what a NumPy framework can do."""

    label = "hand-written NumPy step"
    device = "cpu"
    sync = staticmethod(lambda: None)

    def __init__(self, state, lr):
        params, x, y = state
        self.params = [p.copy() for p in params]
        self.x, self.y = x, y
        self.lr = lr

    def step(self):
        return numpy_step(self.params, self.x, self.y, self.lr)

    def loss(self, value):
        return float(value)

    def weights(self):
        return self.params


def _no_sync():
    pass


def _cupy_sync():
    import cupy

    cupy.cuda.Device().synchronize()


def _is_cupy(array_backend):
    return array_backend.module.__name__ == "cupy"


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@contextlib.contextmanager
def stand_in_cuda():
    """The strict stand-in registered as "cuda" for the duration (the previous one is put back)."""
    previous = backend.register_backend("cuda", backend.strict_backend("cuda"))
    try:
        yield
    finally:
        backend.register_backend("cuda", previous)


def gpu_name():
    """The GPU's name as CuPy reports it."""
    import cupy

    name = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


# ---- checking and timing ------------------------------------------------------------------------------


def check_agreement(frameworks, state, lr, steps=2):
    """Run ``steps`` steps of fresh copies of every framework from the same weights; raise unless the
    losses and final weights agree with the first framework's to float32 tolerance. Returns lines."""
    runs = []
    for make in frameworks:
        framework = make(state, lr)
        losses = []
        for _ in range(steps):
            losses.append(framework.loss(framework.step()))
        runs.append((framework.label, losses, framework.weights()))
    reference_label, reference_losses, reference_weights = runs[0]
    lines = []
    for label, losses, weights in runs:
        np.testing.assert_allclose(
            losses, reference_losses, rtol=RTOL, err_msg=f"loss of {label} vs {reference_label}"
        )
        worst = max(
            float(np.max(np.abs(w - r)) / (np.max(np.abs(r)) or 1.0))
            for w, r in zip(weights, reference_weights)
        )
        if worst > RTOL:
            raise AssertionError(
                f"weights of {label} after {steps} steps differ from {reference_label}: {worst}"
            )
        shown = ", ".join(f"{loss:.6f}" for loss in losses)
        compared = "the reference" if label == reference_label else f"weights within {worst:.1e} (relative)"
        lines.append(f"- {label}: losses of {steps} steps {shown}; {compared}")
    return lines


def time_interleaved(frameworks, warmup, rounds):
    """Per-step times of each framework: warm-up, then ``rounds`` rounds of one step each."""
    for framework in frameworks:
        for _ in range(warmup):
            framework.step()
        framework.sync()
    times = {framework.label: [] for framework in frameworks}
    for _ in range(rounds):
        for framework in frameworks:
            framework.sync()

            def one_step(framework=framework):
                framework.step()
                framework.sync()

            times[framework.label].append(_timing.time_once(one_step))
    return {label: _timing.summarize(values) for label, values in times.items()}


def results_table(frameworks, stats, reference_label):
    """The Markdown table: ms per step, best, spread, steps/s and the ratio to the reference."""
    rows = []
    reference = stats.get(reference_label)
    for framework in frameworks:
        s = stats[framework.label]
        ratio = f"{s.median / reference.median:.2f}x" if reference else "n/a"
        rows.append(
            [
                framework.label,
                framework.device,
                f"{s.median * 1e3:,.1f}",
                f"{s.best * 1e3:,.1f}",
                f"{s.spread * 100:.0f}%",
                f"{1 / s.median:,.1f}",
                ratio,
            ]
        )
    headers = ["framework", "device", "median ms/step", "best ms", "IQR", "steps/s", "× PyTorch"]
    return _timing.markdown_table(headers, rows, align="llrrrrr")


# ---- main ---------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", choices=["cuda", "cpu"], default="cuda", help="where to run (default cuda)"
    )
    parser.add_argument("--batch", type=int, help=f"batch size (default {BATCH}; {SMOKE_BATCH} with --smoke)")
    parser.add_argument("--steps", type=int, help="timed steps per framework (default 20; 2 with --smoke)")
    parser.add_argument("--warmup", type=int, help="untimed steps first (default 3; 0 with --smoke)")
    parser.add_argument("--lr", type=float, default=LR, help=f"SGD learning rate (default {LR})")
    parser.add_argument(
        "--smoke", "--quick", action="store_true", help="2 tiny steps (784-32-32-10, batch 16)"
    )
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help='register the strict stand-in backend as "cuda" (no GPU needed)',
    )
    parser.add_argument(
        "--pick",
        choices=["gather", "index"],
        default="gather",
        help="how the loss picks the target log-probabilities: log_p.gather(1, y) (default) or "
        "log_p[arange(batch), y]",
    )
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    args = parser.parse_args(argv)
    with stand_in_cuda() if args.stand_in else contextlib.nullcontext():
        return run(args)


def run(args):
    sizes = SMOKE_SIZES if args.smoke else SIZES
    batch = args.batch or (SMOKE_BATCH if args.smoke else BATCH)
    steps = args.steps or (2 if args.smoke else 20)
    warmup = args.warmup if args.warmup is not None else (0 if args.smoke else 3)
    device = args.device

    if device == "cuda" and not tg.cuda.is_available():
        reason = "unknown reason"
        try:
            backend.get_backend("cuda")
        except RuntimeError as error:
            reason = str(error)
        print(f"bench_gpu_mlp: skipped: no usable GPU for tinygrad_edu ({reason}).")
        print("Run it on a machine with an NVIDIA GPU and CuPy, or use --device cpu (or --stand-in).")
        return 0
    torch = None if args.no_torch else _torch()
    torch_device = device
    if torch is not None and device == "cuda" and not torch.cuda.is_available():
        # Without PyTorch CUDA there is nothing to compare the GPU times with; on the stand-in (or a
        # CPU-only PyTorch) PyTorch's CPU step still checks the results.
        torch_device = "cpu"

    state = initial_state(sizes, batch)
    makers = [lambda s, lr: Ours(device, s, lr, args.pick)]
    if torch is not None:
        makers.insert(0, lambda s, lr: Torch(torch, torch_device, s, lr, args.pick))
    if device == "cpu":
        makers.append(lambda s, lr: NumpyStep(s, lr))

    shape = "-".join(str(n) for n in sizes)
    picked = "gather" if args.pick == "gather" else "indexing"
    print(
        f"## MLP training step: {shape}, ReLU, log_softmax + {picked} cross-entropy, SGD, batch {batch:,}\n"
    )
    packages = ["torch"] if torch is not None else []
    print("\n".join(_timing.machine_lines(extra_packages=packages)))
    if device == "cuda":
        where = (
            gpu_name() if _is_cupy(backend.get_backend("cuda")) else "the strict stand-in (NumPy, not a GPU)"
        )
        print(f"- device 'cuda': {where}")
    if torch is not None:
        note = " (no CUDA in this PyTorch: it checks the results, no ratio)" if torch_device != device else ""
        print(f"- PyTorch threads: {torch.get_num_threads()}; PyTorch device: {torch_device}{note}")
    else:
        print("- PyTorch: not installed (or --no-torch); skipped")
    print(f"- float32; SGD lr {args.lr}; {warmup} warm-up steps, then {steps} interleaved rounds of one step")
    print("  per framework; the device is synchronized before and after each timed step\n")

    print("Agreement (same initial weights, 2 steps each):\n")
    print("\n".join(check_agreement(makers, state, args.lr)))
    print()

    frameworks = [make(state, args.lr) for make in makers]
    stats = time_interleaved(frameworks, warmup, steps)
    # The ratio compares like with like: PyTorch on the same device (none on the stand-in).
    reference = next((f.label for f in frameworks if isinstance(f, Torch) and torch_device == device), None)
    print(results_table(frameworks, stats, reference))
    if device == "cuda" and not _is_cupy(backend.get_backend("cuda")):
        print("\n(stand-in run: a check of the code path, not a measurement)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
