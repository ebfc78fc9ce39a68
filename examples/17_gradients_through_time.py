"""Tutorial 17: Gradients through time

A recurrent network's gradient reaches an early time step through one Jacobian per step in between, so in a
vanilla RNN it fades exponentially with the distance while an LSTM's additive cell keeps it, and a large
recurrent weight makes it explode instead, which clipping tames.

Run:  python examples/17_gradients_through_time.py [--quick]   or   tinygrad-edu lab 17
"""

# %%
import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, viz

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: fewer steps, same figures
save = viz.FigureSaver("17_gradients_through_time")  # PNGs go to lab_figures/17_gradients_through_time/

TOKENS = 4  # the symbols to remember
HIDDEN = 16
LAG = 10  # steps between the token and the question, in the training task
train_steps = 200 if QUICK else 600
LONG = 40 if QUICK else 60  # sequence length for measuring gradients through time
tg.manual_seed(0)

# %% [markdown]
# ## A task that needs memory
#
# Each sequence starts with one of 4 tokens (one-hot), followed by `LAG − 1` steps of noise on a fifth input
# channel. At the end the network must say which token it saw first: it has to carry that one fact through
# every step of noise, in its hidden state. Two models read the sequence with `nn.RNN` or `nn.LSTM` (PyTorch's
# modules: same parameter names, gate order and state dicts) and classify from the last hidden state:
#
# - **vanilla RNN** (Elman): h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh);
# - **LSTM** (Hochreiter & Schmidhuber 1997): four gates from [x_t, h_(t−1)] — input i, forget f, cell g,
#   output o — and a cell state updated by *addition*: c_t = σ(f)·c_(t−1) + σ(i)·tanh(g),
#   h_t = σ(o)·tanh(c_t).
#
# We set the LSTM's forget-gate bias to 1 (Jozefowicz et al. 2015; the gates are rows H..2H of `bias_ih_l0`)
# so that at the start it keeps most of its cell: σ(1) ≈ 0.73 per step rather than σ(0) = 0.5.


# %%
def memory_batch(n, length, rng):
    """(inputs of shape (n, length, 5), first tokens): a token, then noise on the fifth channel."""
    first = rng.integers(0, TOKENS, n)
    x = np.zeros((n, length, TOKENS + 1), dtype=np.float32)
    x[np.arange(n), 0, first] = 1.0
    x[:, 1:, TOKENS] = rng.standard_normal((n, length - 1))
    return tg.tensor(x), tg.tensor(first)


def open_forget_gate(lstm, bias=1.0):
    """Set the LSTM's forget-gate bias (rows H..2H of b_ih; b_hh's to 0): it keeps σ(bias) of its cell."""
    h = lstm.hidden_size
    with tg.no_grad():
        lstm.bias_ih_l0.data[h : 2 * h] = bias
        lstm.bias_hh_l0.data[h : 2 * h] = 0.0
    return lstm


class Reader(nn.Module):
    """A recurrent layer over the sequence, then a linear classifier on its last hidden state."""

    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(TOKENS + 1, HIDDEN, batch_first=True)
        if kind == "LSTM":
            open_forget_gate(self.rnn)
        self.head = nn.Linear(HIDDEN, TOKENS)

    def forward(self, x):
        output, _ = self.rnn(x)  # output: (batch, time, hidden), h_t for every t
        return self.head(output[:, -1])


def train_reader(kind, seed=0):
    """Adam on fresh batches of the memory task; returns the model, its losses and its test accuracy."""
    tg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Reader(kind)
    optimizer = tg.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(train_steps):
        x, first = memory_batch(32, LAG, rng)
        loss = F.cross_entropy(model(x), first)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    x, first = memory_batch(500, LAG, rng)
    with tg.no_grad():
        accuracy = (model(x).argmax(dim=1) == first).float().mean().item()
    return model, np.array(losses), accuracy


readers = {kind: train_reader(kind) for kind in ("RNN", "LSTM")}
for kind, (_, losses, accuracy) in readers.items():
    print(f"{kind:5} loss {losses[:20].mean():.3f} → {losses[-20:].mean():.4f}, test accuracy {accuracy:.1%}")
    assert accuracy > 0.95, f"the {kind} learns to remember the first token over {LAG} steps"
    assert losses[-20:].mean() < 0.1 * losses[:20].mean(), f"the {kind}'s loss falls by 10×"

# %% [markdown]
# Both learn it: over 10 steps a vanilla RNN can hold a token. The trouble starts with longer distances, and
# it shows in the gradient long before it shows in the accuracy.
#
# ## How much gradient reaches each time step
#
# Backpropagation through time is ordinary backpropagation on the unrolled graph: the loss at the last step
# depends on an early input x_t only through h_t, h_(t+1), ..., h_T, so by the chain rule
#
#     ∂L/∂x_t = ∂L/∂h_T · (∂h_T/∂h_(T−1)) ⋯ (∂h_(t+1)/∂h_t) · ∂h_t/∂x_t
#
# — one Jacobian per step in between. For the RNN each is diag(1 − h²)·W_hh, the same matrix again and again,
# so the product shrinks (or grows) *exponentially* in T − t, by roughly the spectral radius of W_hh times
# the tanh slope per step. For the LSTM the cell has a second path, ∂c_t/∂c_(t−1) = diag(σ(f_t)): no weight
# matrix and no squashing on it, only the forget gate, which the network can hold near 1.
#
# We measure it directly. `nn.RNN` and `nn.LSTM` run the whole loop inside; to see every step we unroll it
# ourselves with the one-step cells `nn.RNNCell` / `nn.LSTMCell`, loading the layer's weights into them (the
# same tensors under the names without `_l0`), keep each state's gradient with `retain_grad()`, take a loss
# at the last step (the sum of the last hidden state) and call `backward()`. For the RNN the state is h_t;
# for the LSTM we follow its memory, the cell c_t. The inputs are `LONG` steps of noise on every channel, for
# fresh networks and for the two just trained.


# %%
def gradient_through_time(recurrent, x):
    """‖∂L/∂state_t‖ for every step t (h_t of an RNN, c_t of an LSTM); L = the sum of the last h."""
    is_lstm = isinstance(recurrent, nn.LSTM)
    cell = (nn.LSTMCell if is_lstm else nn.RNNCell)(recurrent.input_size, recurrent.hidden_size)
    cell.load_state_dict({name.removesuffix("_l0"): value for name, value in recurrent.state_dict().items()})
    states, state = [], None
    for t in range(x.shape[1]):
        state = cell(x[:, t], state)
        memory = state[1] if is_lstm else state  # the cell c_t, or the hidden state h_t
        memory.retain_grad()  # keep ∂L/∂memory of this intermediate tensor after backward
        states.append(memory)
    (state[0] if is_lstm else state).sum().backward()
    return np.array([s.grad.norm().item() for s in states])


probe = tg.randn(16, LONG, TOKENS + 1)
fresh = {}
for label, make in {
    "RNN": lambda: nn.RNN(TOKENS + 1, HIDDEN, batch_first=True),
    "LSTM, forget bias 0": lambda: nn.LSTM(TOKENS + 1, HIDDEN, batch_first=True),
    "LSTM, forget bias 1": lambda: open_forget_gate(nn.LSTM(TOKENS + 1, HIDDEN, batch_first=True), 1.0),
    "LSTM, forget bias 3": lambda: open_forget_gate(nn.LSTM(TOKENS + 1, HIDDEN, batch_first=True), 3.0),
}.items():
    tg.manual_seed(2)
    fresh[label] = gradient_through_time(make(), probe)
trained = {f"trained {kind}": gradient_through_time(readers[kind][0].rnn, probe) for kind in readers}

print(f"\n{'‖∂L/∂state_t‖ / at T':24}" + "".join(f"{f'T−{k}':>10}" for k in (5, 10, 20, LONG - 1)))
for label, norms in {**fresh, **trained}.items():
    print(f"{label:24}" + "".join(f"{norms[-1 - k] / norms[-1]:10.1e}" for k in (5, 10, 20, LONG - 1)))


def reach(norms):
    """How much of the gradient at the last step reaches the first one."""
    return norms[0] / norms[-1]


assert reach(fresh["RNN"]) < 1e-8, "a fresh RNN's gradient vanishes over the sequence"
assert reach(fresh["LSTM, forget bias 3"]) > 1e-3, "an LSTM with an open forget gate keeps it"
assert reach(fresh["LSTM, forget bias 3"]) > 1e6 * reach(fresh["RNN"]), "by orders of magnitude"
assert (
    reach(fresh["LSTM, forget bias 0"])
    < reach(fresh["LSTM, forget bias 1"])
    < reach(fresh["LSTM, forget bias 3"])
), "the more the forget gate keeps, the more gradient reaches back"
every_ten = fresh["RNN"][-1::-10]  # the last step, 10 steps back, 20, ...
assert np.all(every_ten[1:] < 0.1 * every_ten[:-1]), (
    "the RNN's gradient falls 10× or more every 10 steps back"
)

# %% [markdown]
# On the log scale of the figure an exponential is a straight line. The fresh RNN's gradient falls by a
# constant factor per step — 10⁻¹² of it is left after 40 steps, far less after 60 — so the first steps get no
# learning signal at all. The LSTM with the default forget bias 0 keeps half its cell per step and fades too;
# opening the forget gate flattens the line, and with bias 3 (σ(3) ≈ 0.95) the gradient crosses the whole
# sequence. The dashed lines are the same networks after training: both now carry orders of magnitude more
# of their gradient back. Learning to remember *is* learning Jacobians whose product does not shrink along
# the direction that stores the token — the RNN had to find that by gradient descent from a start where the
# signal had almost vanished: possible over 10 steps, hopeless over 60.
#
# (Adam hides part of this in training: it divides each gradient by its running size, so a small gradient
# still gives a normal step. But a signal 10⁻¹⁷ times smaller than the rest is below floating-point
# resolution — no optimizer recovers it.)

# %%
fig, axes = viz.subplots(1, 2, figsize=(14, 5))
steps_back = np.arange(LONG)[::-1]  # T − t
for i, (label, norms) in enumerate(fresh.items()):
    color, _ = viz.style(i)
    axes[0].semilogy(steps_back, norms / norms[-1], color=color, linewidth=2, label=f"fresh {label}")
for label, norms in trained.items():
    color, _ = viz.style(0 if "RNN" in label else 2)  # the colour of the network it started from
    axes[0].semilogy(steps_back, norms / norms[-1], "--", color=color, linewidth=1.5, label=label)
axes[0].axvline(LAG - 1, color="0.7", linewidth=0.8, zorder=0)
axes[0].set(
    xlabel="steps back from the loss, T − t",
    ylabel="‖∂L/∂state_t‖ / ‖∂L/∂state_T‖  (h_t; LSTM: c_t)",
    title=f"Gradient reaching each step of a {LONG}-step sequence (dashed: trained)",
)
axes[0].legend(fontsize="small", loc="lower left")
for kind, (_, losses, _) in readers.items():
    axes[1].plot(np.convolve(losses, np.ones(10) / 10, mode="valid"), label=f"{kind} (mean of 10 steps)")
axes[1].set(
    xlabel="training step", ylabel="cross-entropy", title=f"Learning to remember a token for {LAG} steps"
)
axes[1].set_yscale("log")
axes[1].legend(fontsize="small")
save(fig, "vanishing")

# %% [markdown]
# ## Exploding: a recurrent weight that is too large
#
# The same product grows exponentially when the per-step factor exceeds 1. Draw W_hh from N(0, g²/H): its
# spectral radius is about g. For g = 0.5 the gradient vanishes faster than with the default
# initialisation; for g ≥ 2 it *grows* with the distance, as far as the tanh units stay on their slope —
# with g = 3 the first step of the sequence gets 10⁴ times the gradient of the last one, or more.

# %%
GAINS = (0.5, 1.0, 2.0, 3.0)
by_gain = {}
for gain in GAINS:
    tg.manual_seed(3)
    rnn = nn.RNN(TOKENS + 1, HIDDEN, batch_first=True)
    with tg.no_grad():
        nn.init.normal_(rnn.weight_hh_l0, 0.0, gain / np.sqrt(HIDDEN))
    by_gain[gain] = gradient_through_time(rnn, probe)
    print(f"g = {gain}: gradient at the first step / at the last = {reach(by_gain[gain]):.1e}")
assert reach(by_gain[0.5]) < 1e-10 < 1e3 < reach(by_gain[3.0]), "small g vanishes, large g explodes"
assert reach(by_gain[3.0]) > reach(by_gain[2.0]) > reach(by_gain[1.0]) > reach(by_gain[0.5])

# %% [markdown]
# An exploding gradient makes one optimizer step enormous. Take the g = 3 network on the memory task (with
# `LONG`-step sequences) and look at a plain SGD step, θ ← θ − η·g: its length is η·‖g‖.
# `tg.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` — called between `backward()` and
# `optimizer.step()` — rescales the gradient to length `max_norm` whenever it is longer, keeping its
# direction (Pascanu, Mikolov & Bengio 2013). Below, the same training, from the same start and on the same
# batches, with and without clipping; we record the gradient norm before clipping and the length of every
# step the optimizer took.


# %%
def train_exploding(clip, steps=30 if QUICK else 100, lr=0.1, gain=3.0):
    """SGD on the memory task with a g = 3 recurrent init; returns losses, gradient norms and step lengths."""
    tg.manual_seed(4)
    rng = np.random.default_rng(4)
    model = Reader("RNN")
    with tg.no_grad():
        nn.init.normal_(model.rnn.weight_hh_l0, 0.0, gain / np.sqrt(HIDDEN))
    optimizer = tg.optim.SGD(model.parameters(), lr=lr)
    losses, grad_norms, step_lengths = [], [], []
    for _ in range(steps):
        x, first = memory_batch(32, LONG, rng)
        loss = F.cross_entropy(model(x), first)
        optimizer.zero_grad()
        loss.backward()
        # clip_grad_norm_ returns the norm before clipping; max_norm=inf only measures it
        grad_norms.append(nn.utils.clip_grad_norm_(model.parameters(), clip or float("inf")).item())
        before = [p.detach().clone() for p in model.parameters()]
        optimizer.step()
        step_lengths.append(
            np.sqrt(sum(((p.detach() - b) ** 2).sum().item() for p, b in zip(model.parameters(), before)))
        )
        losses.append(loss.item())
    saturated = 0.0
    with tg.no_grad():
        output, _ = model.rnn(memory_batch(64, LONG, rng)[0])
        saturated = (output.abs() > 0.99).float().mean().item()
    return np.array(losses), np.array(grad_norms), np.array(step_lengths), saturated


clipped_runs = {"no clipping": train_exploding(None), "clip_grad_norm_(max_norm=1)": train_exploding(1.0)}
print(f"\n{'':28} {'first ‖g‖':>10} {'largest step':>13} {'mean loss':>10} {'saturated units':>16}")
for name, (losses, norms, lengths, saturated) in clipped_runs.items():
    print(f"{name:28} {norms[0]:10.1f} {lengths.max():13.3f} {losses.mean():10.3f} {saturated:16.0%}")

free_steps, clipped_steps = clipped_runs["no clipping"][2], clipped_runs["clip_grad_norm_(max_norm=1)"][2]
assert clipped_runs["no clipping"][1][0] > 10, "the first gradient of the g = 3 network is large"
assert clipped_steps.max() <= 0.1 * 1.0 + 1e-6, "with clipping no step is longer than lr · max_norm"
assert free_steps[0] > 10 * clipped_steps[0], "without it the first step alone is many times longer"
assert clipped_runs["no clipping"][3] > clipped_runs["clip_grad_norm_(max_norm=1)"][3], (
    "the huge steps drive more tanh units into saturation"
)

# %%
fig, axes = viz.subplots(1, 2, figsize=(14, 5))
for gain in GAINS:
    axes[0].semilogy(
        steps_back, by_gain[gain] / by_gain[gain][-1], linewidth=2, label=f"W_hh ~ N(0, {gain}²/H)"
    )
axes[0].set(
    xlabel="steps back from the loss, T − t",
    ylabel="‖∂L/∂h_t‖ / ‖∂L/∂h_T‖",
    title="Recurrent weight scale: vanishing or exploding",
)
axes[0].legend(fontsize="small")
for name, (_, norms, lengths, _) in clipped_runs.items():
    line = axes[1].semilogy(norms, label=f"{name}: ‖g‖ before clipping")
    axes[1].semilogy(lengths, ":", color=line[0].get_color(), label=f"{name}: length of the step")
axes[1].set(xlabel="training step", title="SGD (η = 0.1) on the g = 3 network")
axes[1].legend(fontsize="small")
save(fig, "exploding_and_clipping")

# %% [markdown]
# Without clipping, the first steps are as long as η times the exploded gradient: they throw the weights far
# from where they started and drive the hidden units into tanh's flat arms (the "saturated units" above),
# where the gradient then *vanishes* — an explosion ends in a network that has stopped learning. With
# clipping every step is at most η·max_norm long and points the same way as the gradient: the network stays
# on the slope (its gradient, right, stays large because its weights are still those of g = 3). Clipping
# limits the damage an exploding gradient can do in one step; the cause — the scale of W_hh — is a matter
# of initialisation, and of gates.
#
# What to take away: the gradient that reaches an early time step is a product of one Jacobian per step, so
# its size changes exponentially with the distance — vanishing when the recurrent factor is below 1, exploding
# when it is above. The LSTM's additive cell, gated by a forget gate that can stay near 1, gives the gradient
# a path that does not shrink; clipping the gradient's norm keeps an exploding one from wrecking the weights.
