"""Tutorial 19: Where the time goes

A training step spends its time in three places — the matrix products (BLAS), the other array work, and
the framework's own Python — and recording the step once with tg.compile, then replaying it, removes the
third while leaving the first two, bit for bit, as they were.

Run:  python examples/19_where_the_time_goes.py [--quick]   or   tinygrad-edu lab 19
"""

# %%
import gc
import itertools
import os
import statistics
import time
import warnings

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer timed steps, same figures
save = viz.FigureSaver("19_where_the_time_goes")  # PNGs go to lab_figures/19_where_the_time_goes/

WIDTHS, BATCH = (784, 256, 256, 10), 128  # an MNIST-sized MLP, the benchmark's small configuration
ROUNDS = 10 if QUICK else 40  # timed rounds of 10 consecutive steps (the median step is reported)
LR = 0.01
print(
    "BLAS threads:", os.environ.get("OPENBLAS_NUM_THREADS", "the library's default (set it to 1 to compare)")
)

# %% [markdown]
# ## One step, four ways
#
# The step is the one every course writes: `zero_grad`, forward through Linear → ReLU → Linear → ReLU →
# Linear, softmax cross-entropy, `backward`, an SGD update. We build the same network (same seed) several
# times, so that each way of running the step starts from the same weights:
#
# - **eager**: the step as written; every op makes a Tensor and a context, the engine sorts the graph
#   and walks it;
# - **compiled**: the same function under `tg.compile` (below);
# - **NumPy by hand**: the same arithmetic written out with arrays, no framework — the usual yardstick;
# - **GEMM floor**: only the step's eight matrix products (three forward, three weight gradients, two
#   input gradients): what no NumPy step can go below.


# %%
def make_model(seed=0):
    tg.manual_seed(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(WIDTHS)):
        layers += [nn.Linear(fan_in, fan_out)] + ([nn.ReLU()] if i < len(WIDTHS) - 2 else [])
    model = nn.Sequential(*layers)
    return model, tg.optim.SGD(model.parameters(), lr=LR)


def make_step(model, optimizer):
    loss_fn = nn.CrossEntropyLoss()

    def train_step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss  # a Tensor: a compiled step computes Tensors, .item() comes after

    return train_step


def by_hand(model):
    """The same step in NumPy: forward, the backward of each layer written out, the update."""
    layers = [
        (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
        for m in model
        if isinstance(m, nn.Linear)
    ]

    def step(x, y):
        activations, pre = [x], []
        for i, (w, b) in enumerate(layers):
            z = activations[-1] @ w.T + b
            pre.append(z)
            activations.append(np.maximum(z, 0) if i < len(layers) - 1 else z)
        shifted = activations[-1] - activations[-1].max(1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(1, keepdims=True)
        rows = np.arange(len(y))
        loss = np.log(total[:, 0]).mean() - shifted[rows, y].mean()
        grad = exp / total
        grad[rows, y] -= 1
        grad /= len(y)
        for i in range(len(layers) - 1, -1, -1):
            w, b = layers[i]
            grad_w, grad_b = grad.T @ activations[i], grad.sum(0)
            if i > 0:
                grad = (grad @ w) * (pre[i - 1] > 0)
            w -= LR * grad_w
            b -= LR * grad_b
        return loss

    return step


def gemm_floor(model):
    """Only the eight matrix products of the step, in the same layouts."""
    weights = [m.weight.detach().numpy().copy() for m in model if isinstance(m, nn.Linear)]

    def step(x, y):
        activations = [x]
        for w in weights:
            activations.append(activations[-1] @ w.T)
        grad = activations[-1]
        for i in range(len(weights) - 1, -1, -1):
            grad.T @ activations[i]
            if i > 0:
                grad = grad @ weights[i]

    return step


rng = np.random.default_rng(0)
data = [
    (rng.standard_normal((BATCH, WIDTHS[0])).astype(np.float32), rng.integers(0, WIDTHS[-1], BATCH))
    for _ in range(8)
]
tensors = [(tg.tensor(x), tg.tensor(y)) for x, y in data]

# %% [markdown]
# ## Compiling the step
#
# `tg.compile(train_step)` returns a function that runs `train_step` eagerly on its first call while
# *recording* everything that happens: each op's forward (which function, on which arrays), the backward
# pass (the engine's walk, written down step by step), and the calls that must run as they are each time —
# `zero_grad` and the optimizer's `step`, which read their learning rate and state afresh. The second call
# records again and compares (the *check run*): Python that takes another path on other data would show
# up here. From the third call on, the recording is *replayed*: a flat list of array operations, no
# Tensor, no context, no graph. Each replay equals the eager step bit for bit — the same functions on the
# same values — which we check on a twin network trained eagerly side by side.

# %%
eager_model, eager_optimizer = make_model()
compiled_model, compiled_optimizer = make_model()
eager_step = make_step(eager_model, eager_optimizer)
compiled_step = tg.compile(make_step(compiled_model, compiled_optimizer))

for x, y in tensors * 3:
    eager_loss, compiled_loss = eager_step(x, y), compiled_step(x, y)
    assert eager_loss.item() == compiled_loss.item(), "a replay is the eager step, bit for bit"
for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
    assert np.array_equal(p.detach().numpy(), q.detach().numpy())
print(compiled_step.stats)
assert compiled_step.stats == {"recorded": 2, "replayed": 22, "eager": 0}

(program,) = compiled_step.programs.values()
print(program)

# %% [markdown]
# That listing *is* the compiled step. `v0` and `v1` are the inputs; `tensor(256, 784)` is a parameter,
# read afresh at every replay (the optimizer updates it in place). Forward instructions call each op's own
# `forward` — the very functions eager mode calls; backward instructions call each op's `backward` and the
# engine's `sum_to`, `+` and gradient accumulation, in the order the engine ran them. What the engine did
# *around* those calls — make a Tensor per result, a context per op, check dtypes and devices, sort the graph,
# keep a dict of pending gradients — happened once, while recording.
#
# ## Where an eager step spends its time
#
# We time each way of running the step the same way: rounds of 10 consecutive steps, the median step.


# %%
def median_step(step, args, rounds=ROUNDS):
    for _ in range(3):
        step(*args)
    times = []
    for _ in range(rounds):
        gc.collect()
        for _ in range(10):
            start = time.perf_counter()
            step(*args)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


x, y = tensors[0]
hand_model, _ = make_model()
timings = {
    "eager": median_step(eager_step, (x, y)),
    "compiled": median_step(compiled_step, (x, y)),
    "NumPy by hand": median_step(by_hand(hand_model), data[0]),
    "GEMM floor": median_step(gemm_floor(hand_model), data[0]),
}
for name, seconds in timings.items():
    print(f"{name:14} {seconds * 1e3:6.3f} ms   {seconds / timings['NumPy by hand']:.3f}× NumPy by hand")

# %% [markdown]
# Now the replay itself, one instruction at a time (`Program.profile` times each): how long each op's
# array work takes, and how many bytes of new arrays it makes. Summed, it is the compiled step; what the
# eager step takes beyond the compiled one is the framework's overhead. The matrix products are the
# `Affine` instructions (forward and backward); allocation we measure apart, by asking the allocator for
# arrays of the same sizes.

# %%
rows = [program.profile([x.data, y.data]) for _ in range(10 * ROUNDS)]
names = [text for text, _, _ in rows[0]]
seconds = np.median([[s for _, s, _ in row] for row in rows], axis=0)
made = [b for _, _, b in rows[0]]


def kind(text):
    if "Affine" in text:
        return "matrix products (BLAS) + bias"
    if ".step" in text or "zero_grad" in text:
        return "optimizer (a Python call)"
    return "other array work"


replay = float(seconds.sum())
per_kind = {}  # the compiled step's time, shared out in the proportions of the profile
for text, s in zip(names, seconds):
    per_kind[kind(text)] = per_kind.get(kind(text), 0.0) + s / replay * timings["compiled"]


def allocation_time(sizes, rounds=ROUNDS):
    """Seconds to allocate (and free) one array of each size, as a step does."""
    best = []
    for _ in range(rounds):
        start = time.perf_counter()
        for size in sizes:
            np.empty(size, dtype=np.uint8)
        best.append(time.perf_counter() - start)
    return statistics.median(best)


allocation = allocation_time([b for b in made if b])
overhead = timings["eager"] - timings["compiled"]
print(f"replay, instruction by instruction: {replay * 1e3:.3f} ms in {len(names)} instructions")
for name, s in per_kind.items():
    print(f"  {name:32} {s * 1e6:8.1f} µs")
print(f"  of which allocating {sum(made) / 2**20:.2f} MiB of new arrays: {allocation * 1e6:.1f} µs")
print(f"eager framework overhead (eager − compiled): {overhead * 1e6:.1f} µs per step")

# %%
fig, (ax_bars, ax_ops) = viz.subplots(1, 2, figsize=(12, 4.4))
parts = [
    ("matrix products (BLAS) + bias", "C0"),
    ("other array work", "C1"),
    ("optimizer (a Python call)", "C2"),
]
labels = ["eager", "compiled", "NumPy by hand", "GEMM floor"]
for row, label in enumerate(labels):
    if label in ("eager", "compiled"):
        left = 0.0
        for part, color in parts:
            width = per_kind.get(part, 0.0) * 1e3
            ax_bars.barh(row, width, left=left, color=color, label=part if row == 0 else None)
            left += width
        if label == "eager":  # (a noisy run can time eager below compiled: then there is no grey)
            ax_bars.barh(row, max(overhead, 0) * 1e3, left=left, color="0.6", label="framework overhead")
    else:
        ax_bars.barh(row, timings[label] * 1e3, color="C4" if label == "GEMM floor" else "0.3")
    ax_bars.text(timings[label] * 1e3, row, f"  {timings[label] * 1e3:.2f} ms", va="center")
ax_bars.set_yticks(range(len(labels)), labels)
ax_bars.invert_yaxis()
ax_bars.set(xlabel="ms per step (median)", title="One training step, four ways")
ax_bars.set_xlim(0, max(timings.values()) * 1e3 * 1.45)
ax_bars.legend(loc="upper right", fontsize=8)

order = np.argsort(seconds)[::-1][:12]
colors = {"matrix products (BLAS) + bias": "C0", "other array work": "C1"}
ax_ops.barh(range(len(order)), seconds[order] * 1e6, color=[colors.get(kind(names[i]), "C2") for i in order])
ax_ops.set_yticks(range(len(order)), [names[i].split("(")[0] for i in order], fontsize=8)
ax_ops.invert_yaxis()
ax_ops.set(xlabel="µs per replay (median)", title="The 12 slowest instructions of the replay")
save(fig, "where_the_time_goes")

# %% [markdown]
# Read the left panel from the bottom up. The **GEMM floor** is most of everything: at this size the eight
# matrix products are most of a step however it is written. **NumPy by hand** adds the rest of the
# arithmetic (bias, ReLU and its mask, softmax cross-entropy, the update), a few dozen NumPy calls. The
# **eager** step does the same array work plus the framework's overhead (grey): a Tensor and a context per
# op, the checks, the graph walk, the optimizer's loop. The **compiled** step is the eager step without
# that grey part.
#
# The right panel lists the replay's instructions: the `Affine` ones (blue) are the matrix products; every
# other instruction costs microseconds. Allocation is not where the time goes here: NumPy's allocator hands
# back recently freed blocks of these sizes in microseconds.
#
# What replay does **not** remove: the arithmetic. It calls the same `forward` and `backward` as eager mode —
# that is why it is bit-for-bit equal, and also why the compiled step cannot be faster than its own
# arithmetic. Our cross-entropy builds a coefficient array from the targets, where the hand-written step
# indexes the row of the correct class; our optimizer step is a generic loop over parameters. These are the
# microseconds left between the compiled step and the hand-written one, and the GEMM floor bounds both.

# %%
ratio_eager = timings["eager"] / timings["NumPy by hand"]
ratio_compiled = timings["compiled"] / timings["NumPy by hand"]
ratio_floor = timings["GEMM floor"] / timings["NumPy by hand"]
print(
    f"× NumPy by hand: eager {ratio_eager:.3f}, compiled {ratio_compiled:.3f}, GEMM floor {ratio_floor:.3f}"
)

# %% [markdown]
# ## When a replay would be wrong: guards
#
# A replay repeats what one eager call did. It must not run where the eager step would do something else,
# so before each replay `tg.compile` checks its *guards*, and records again (or runs eagerly) when one fails:
#
# - the inputs' shapes, dtypes, devices and `requires_grad`: a new signature gets its own recording;
# - each parameter's `requires_grad`, shape, dtype and device, and each module's train/eval mode;
# - a value read into Python while recording (`if loss.item() > 1: ...`, `print(loss)`) stops the
#   recording: Python could decide by it, and a replay would not look again;
# - the check run compares the two recordings: other Python state that changes the ops (a counter, a
#   flag), or tensors made outside the ops whose values change (noise drawn with `tg.randn` inside the
#   step), make them differ. The step then runs eagerly, with a warning saying why.
#
# A schedule needs no guard: the optimizer's `step` is replayed whole and reads `lr` every time.

# %%
small = [(tg.tensor(x[:32]), tg.tensor(y[:32])) for x, y in data[:3]]
for x_small, y_small in small:
    compiled_step(x_small, y_small)  # a new input shape: recorded twice, then replayed
print("programs:", len(compiled_step.programs), compiled_step.stats)
assert len(compiled_step.programs) == 2

compiled_model.eval()  # the modules' mode changed: the next call records again
compiled_step(*tensors[0])
compiled_model.train()
print("after eval():", compiled_step.stats)


def noisy_step(x, y):
    """Random noise drawn outside the ops: its values differ at every call, so a replay would be wrong."""
    compiled_optimizer.zero_grad()
    loss = nn.functional.cross_entropy(compiled_model(x + 0.01 * tg.randn(*x.shape)), y)
    loss.backward()
    compiled_optimizer.step()
    return loss


noisy = tg.compile(noisy_step)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for x, y in tensors[:4]:
        noisy(x, y)
print(caught[0].message if caught else "no warning")
assert noisy.stats["replayed"] == 0 and caught

# %% [markdown]
# ## What to take away
#
# - At this size the **matrix products dominate** a step, however it is written; the hand-written step is
#   only about a tenth above its own GEMM floor.
# - The framework's own Python is the next cost. Recording the step once and replaying the flat list
#   removes it, and a replay is still exactly the eager step.
# - What is left is arithmetic. To go below a hand-written step, a compiler has to change the arithmetic
#   itself (fuse the bias and ReLU into the matrix product's output, write into reused buffers, skip the
#   coefficient array) — which is what torch.compile's Inductor and tinygrad's kernels do, and why their
#   results are close to, not equal to, eager mode's.
#
# Allocation stays cheap here because NumPy and glibc hand back recently freed blocks. At batch 1024 with
# 1024-wide layers it is not: glibc returns freed multi-megabyte blocks to the operating system and the
# next step faults them back in, about a tenth of the step (`benchmarks/README.md` measures it, and the
# `MALLOC_TRIM_THRESHOLD_` setting that removes it for any NumPy program).
#
# Try it: make the network smaller (`WIDTHS = (64, 32, 10)`): the GEMMs shrink, the framework's overhead
# does not, and compiling matters far more. Make the batch 1024: the GEMMs take nearly everything.
