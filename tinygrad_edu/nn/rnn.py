"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, as in ``torch.nn``.

A recurrent layer reads a sequence x_1, ..., x_L one step at a time and carries a hidden state h_t
from each step to the next. An LSTM step's gates and cell update are one op, ``LSTMStep``
(ops/rnn.py), with its backward written out (then h' = o ⊙ tanh(c')); the RNN and GRU steps are
compositions of differentiable ops (``F.linear``, ``sigmoid``, ``tanh``, ``*``, ``+``). Either way
the engine runs *backpropagation through time* by walking the unrolled graph, one step after another.

The parameters carry PyTorch's names, shapes, gate order and initialisation, so a state dict moves
between these modules and ``torch.nn``'s in both directions:

| layer | gates (rows of ``weight_ih`` / ``weight_hh``, in this order) | step |
|---|---|---|
| ``RNN`` | one | h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu) |
| ``LSTM`` | i, f, g, o | c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c') |
| ``GRU`` | r, z, n | n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h |

Shapes, with L the sequence length, N the batch and D = 2 for a bidirectional layer (else 1):
input (L, N, input_size) — (N, L, input_size) with ``batch_first`` — or (L, input_size) unbatched;
output (L, N, D · hidden_size); h_0 and h_n (D · num_layers, N, hidden_size).
"""

import math

from .. import factories, functions
from ..ops.rnn import LSTMStep
from . import functional as F
from . import init
from .layers import _fresh_parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---- one time step, as functions of tensors -----------------------------------------------------------


def rnn_tanh_cell(x_proj, h, w_hh, b_hh):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with the input part ``x_proj`` already computed."""
    return (x_proj + F.linear(h, w_hh, b_hh)).tanh()


def rnn_relu_cell(x_proj, h, w_hh, b_hh):
    """h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    return (x_proj + F.linear(h, w_hh, b_hh)).relu()


def lstm_cell(x_proj, state, w_hh, b_hh):
    """One LSTM step: returns (h', c'); the op ``LSTMStep`` (ops/rnn.py) computes the gates and c'.

    i, f, g, o = the four quarters of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
    c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)     (the cell: forget some of the old, write some of the new)
    h' = σ(o) ⊙ tanh(c')               (the output: read some of the cell)
    """
    h, c = state
    both = LSTMStep.apply(x_proj, h, c, w_hh, b_hh)  # [c' | σ(o)]
    hidden = h.shape[-1]
    c, output_gate = both[:, :hidden], both[:, hidden:]
    return output_gate * c.tanh(), c


def gru_cell(x_proj, h, w_hh, b_hh):
    """One GRU step (Cho et al. 2014), PyTorch's form:

    r, z, n_x = the thirds of x W_ihᵀ + b_ih;   r_h, z_h, n_h = the thirds of h W_hhᵀ + b_hh
    r = σ(r_x + r_h),  z = σ(z_x + z_h)          (reset and update gates)
    n = tanh(n_x + r ⊙ n_h)                      (the candidate; r applies after W_hn, as in PyTorch)
    h' = (1 − z) ⊙ n + z ⊙ h
    """
    r_x, z_x, n_x = x_proj.chunk(3, dim=-1)
    r_h, z_h, n_h = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
    r = (r_x + r_h).sigmoid()
    z = (z_x + z_h).sigmoid()
    n = (n_x + r * n_h).tanh()
    return (1 - z) * n + z * h


_STEPS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}


def _init_uniform(module):
    """PyTorch's initialisation of every recurrent weight and bias: U(−1/√hidden_size, 1/√hidden_size)."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


def _check_sizes(name, input_size, hidden_size):
    for what, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")


# ---- the multi-layer, whole-sequence modules ---------------------------------------------------------


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters per layer and direction, checks, the loop.

    ``LSTM`` and ``GRU`` take these arguments after ``mode`` unchanged, as in PyTorch.
    """

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size)
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size={proj_size!r} (LSTM projections) is not supported")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = 0
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                # registration order = PyTorch's state-dict order
                kind = dict(device=device, dtype=dtype)
                setattr(self, f"weight_ih_l{layer}{suffix}", _fresh_parameter(gate_size, layer_input, **kind))
                setattr(self, f"weight_hh_l{layer}{suffix}", _fresh_parameter(gate_size, hidden_size, **kind))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", _fresh_parameter(gate_size, **kind))
                    setattr(self, f"bias_hh_l{layer}{suffix}", _fresh_parameter(gate_size, **kind))
        self.reset_parameters()

    def reset_parameters(self):
        """Draw every weight and bias from U(−1/√hidden_size, 1/√hidden_size), as PyTorch does."""
        _init_uniform(self)

    @property
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    def _weights(self, layer, suffix):
        """(W_ih, W_hh, b_ih, b_hh) of one layer and direction (biases None without ``bias``)."""
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _check_input(self, input):
        _check_input(self, input, (2, 3), "2 (unbatched: L, input_size) or 3 (batched)")

    def _check_hidden(self, hidden, expected, what):
        if hidden.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {expected}, got {hidden.shape}"
            )

    def forward(self, input, hx=None):
        """Run the whole sequence: returns ``(output, h_n)``, or ``(output, (h_n, c_n))`` for an LSTM."""
        self._check_input(input)
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)  # the time loop wants time first
        batch = input.shape[1]
        expected = (self.num_layers * self._num_directions, batch, self.hidden_size)
        states = self._initial_states(hx, input, expected, unbatched)
        output, final = self._run_layers(input, states)
        final = self._merge_states(final)
        if unbatched:
            output = output.squeeze(1)
            final = tuple(s.squeeze(1) for s in final) if isinstance(final, tuple) else final.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, final

    def _initial_states(self, hx, input, expected, unbatched):
        """The per-(layer, direction) starting states: a list of h (or of (h, c) for an LSTM)."""
        is_lstm = self.mode == "LSTM"
        if hx is None:
            zeros = factories.zeros(*expected, dtype=input.dtype, device=input.device)
            parts = (zeros, zeros) if is_lstm else (zeros,)
        else:
            if is_lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError("LSTM: the initial state must be a tuple (h_0, c_0)")
            parts = tuple(hx) if is_lstm else (hx,)
            given = (expected[0], expected[2]) if unbatched else expected  # unbatched: no batch dim
            for part, what in zip(parts, ("h_0", "c_0")):
                self._check_hidden(part, given, what)
            if unbatched:
                parts = tuple(part.unsqueeze(1) for part in parts)
        per_slot = [tuple(part[k] for part in parts) for k in range(expected[0])]
        return [slot if is_lstm else slot[0] for slot in per_slot]

    def _merge_states(self, final):
        if self.mode == "LSTM":
            return (functions.stack([h for h, _ in final]), functions.stack([c for _, c in final]))
        return functions.stack(final)

    def _run_layers(self, input, states):
        """Every layer, every direction; dropout between layers while training."""
        step = _STEPS[self.mode]
        directions = ("", "_reverse")[: self._num_directions]
        final = []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(directions):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                state = states[layer * len(directions) + d]
                out, state = _run_direction(step, input, state, w_ih, w_hh, b_ih, b_hh, reverse=d == 1)
                outputs.append(out)
                final.append(state)
            input = outputs[0] if len(outputs) == 1 else functions.cat(outputs, dim=-1)
            if self.dropout and layer < self.num_layers - 1:
                input = F.dropout(input, self.dropout, self.training)
        return input, final

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _check_input(module, input, allowed_ndims, described):
    """Raise unless ``input`` has one of ``allowed_ndims`` dimensions and ``module.input_size`` features."""
    name = type(module).__name__
    if input.ndim not in allowed_ndims:
        raise ValueError(
            f"{name}: expected input with {described} dimensions, got {input.ndim} (shape {input.shape})"
        )
    if input.shape[-1] != module.input_size:
        raise ValueError(
            f"{name}: input.size(-1) must be equal to input_size; expected {module.input_size}, "
            f"got {input.shape[-1]} (input shape {input.shape})"
        )


def _run_direction(step, input, state, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """Unroll one layer over time: (outputs stacked over time, final state).

    The input part of every step, x_t W_ihᵀ + b_ih, does not depend on the state, so it is one
    matmul over the whole sequence; only h W_hhᵀ has to wait for the previous step.
    """
    x_proj = F.linear(input, w_ih, b_ih).unbind(0)
    times = range(len(x_proj) - 1, -1, -1) if reverse else range(len(x_proj))
    outputs = [None] * len(x_proj)
    for t in times:
        state = step(x_proj[t], state, w_hh, b_hh)
        outputs[t] = state[0] if isinstance(state, tuple) else state
    return functions.stack(outputs), state


class RNN(RNNBase):
    """An Elman network: h_t = tanh(x_t W_ihᵀ + b_ih + h_(t−1) W_hhᵀ + b_hh) (``nonlinearity="relu"``: relu).

    >>> rnn = nn.RNN(input_size=3, hidden_size=8, batch_first=True)
    >>> output, h_n = rnn(tg.randn(4, 10, 3))     # output (4, 10, 8): h_t at every step; h_n (1, 4, 8)
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        mode = f"RNN_{nonlinearity.upper()}"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def extra_repr(self):
        extra = "" if self.nonlinearity == "tanh" else ", nonlinearity='relu'"
        return super().extra_repr() + extra


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o, as PyTorch): returns ``(output, (h_n, c_n))``.

    >>> lstm = nn.LSTM(3, 8, num_layers=2)
    >>> output, (h_n, c_n) = lstm(tg.randn(10, 4, 3))   # time first unless batch_first=True
    """

    def __init__(self, *args, **kwargs):  # RNNBase's arguments after mode (input_size, ...)
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n, as PyTorch): returns ``(output, h_n)``.

    >>> gru = nn.GRU(3, 8, batch_first=True)
    >>> output, h_n = gru(tg.randn(4, 10, 3))
    """

    def __init__(self, *args, **kwargs):  # RNNBase's arguments after mode (input_size, ...)
        super().__init__("GRU", *args, **kwargs)


# ---- one-step cells ----------------------------------------------------------------------------------


class RNNCellBase(Module):
    """What the cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` and the shape checks."""

    def __init__(self, input_size, hidden_size, bias, gates, device=None, dtype=None):
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kind = dict(device=device, dtype=dtype)
        self.weight_ih = _fresh_parameter(gates * hidden_size, input_size, **kind)
        self.weight_hh = _fresh_parameter(gates * hidden_size, hidden_size, **kind)
        if bias:
            self.bias_ih = _fresh_parameter(gates * hidden_size, **kind)
            self.bias_hh = _fresh_parameter(gates * hidden_size, **kind)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw every weight and bias from U(−1/√hidden_size, 1/√hidden_size), as PyTorch does."""
        _init_uniform(self)

    def _prepare(self, input, hx, parts):
        """Check shapes; add a batch dim to an unbatched (1-D) input; zeros for a missing state."""
        name = type(self).__name__
        _check_input(self, input, (1, 2), "1 (unbatched) or 2 (batched: N, input_size)")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        shape = (input.shape[0], self.hidden_size)
        if hx is None:
            zeros = factories.zeros(*shape, dtype=input.dtype, device=input.device)
            return input, [zeros] * parts, unbatched
        if parts == 2 and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{name}: the state must be a tuple (h, c)")
        states = list(hx) if parts == 2 else [hx]
        given = shape[1:] if unbatched else shape  # unbatched: no batch dim
        for state, what in zip(states, ("h", "c") if parts == 2 else ("hx",)):
            if state.shape != given:
                raise ValueError(f"{name}: expected {what} of shape {given}, got {state.shape}")
        if unbatched:
            states = [state.unsqueeze(0) for state in states]
        return input, states, unbatched

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One step of ``RNN``: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).

    >>> cell = nn.RNNCell(3, 8)
    >>> h = None
    >>> for x_t in xs:                   # unroll by hand: every h is a node of the graph
    ...     h = cell(x_t, h)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        """The next hidden state, (N, hidden_size) (or (hidden_size,) for a 1-D input)."""
        input, (h,), unbatched = self._prepare(input, hx, 1)
        step = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One step of ``LSTM``: ``(h', c') = cell(x, (h, c))`` (state zeros when omitted)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """The next (h, c)."""
        input, (h, c), unbatched = self._prepare(input, hx, 2)
        h, c = lstm_cell(F.linear(input, self.weight_ih, self.bias_ih), (h, c), self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One step of ``GRU``: h' = cell(x, h)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        """The next hidden state."""
        input, (h,), unbatched = self._prepare(input, hx, 1)
        h = gru_cell(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]
