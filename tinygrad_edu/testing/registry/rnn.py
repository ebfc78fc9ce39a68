"""Entries of ``ops/rnn.py``: one LSTM step (``LSTMStep``), and nn.LSTM's loop over it."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.ops.rnn import LSTMStep

from .. import strategies as st
from . import reference as ref
from .cases import real, seeded_rng
from .entry import Case, op, torch


@st.composite
def lstm_step_case(draw):
    """x_proj (N, 4H), h and c (N, H), W_hh (4H, H) and, or not, b_hh (4H,)."""
    batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = seeded_rng(draw)
    arrays = [real(rng, (batch, 4 * hidden)), real(rng, (batch, hidden)), real(rng, (batch, hidden))]
    arrays.append(real(rng, (4 * hidden, hidden)))
    if draw(st.booleans()):
        arrays.append(real(rng, (4 * hidden,)))
    return Case(tuple(arrays), {})


def _torch_lstm_step(x_proj, h, c, weight_hh, bias_hh=None):
    """The same step composed of PyTorch ops: [c' | σ(o)]."""
    pre = x_proj + h @ weight_hh.T + (0 if bias_hh is None else bias_hh)
    i, f, g, o = pre.chunk(4, dim=1)
    return torch.cat([f.sigmoid() * c + i.sigmoid() * g.tanh(), o.sigmoid()], dim=1)


op(
    "LSTMStep",
    lambda *arrays: LSTMStep.apply(*arrays, *[None] * (5 - len(arrays))),
    lstm_step_case(),
    _torch_lstm_step,
    reference=ref.lstm_step,
)


def _torch_lstm_run(x, w_ih, w_hh):
    """nn.LSTM's loop with one hidden unit and no biases, in PyTorch ops: the outputs h_t stacked."""
    h = c = x[0, :, :1] * 0
    outputs = []
    for x_t in x:
        both = _torch_lstm_step(x_t @ w_ih.T, h, c, w_hh)
        c = both[:, :1]
        h = both[:, 1:] * c.tanh()
        outputs.append(h)
    return torch.stack(outputs)


def _lstm_run_reference(x, w_ih, w_hh):
    """The same loop in NumPy: h_t = σ(o_t)·tanh(c_t), stacked."""
    h = c = np.zeros((x.shape[1], 1))
    outputs = []
    for x_t in x:
        both = ref.lstm_step(x_t @ w_ih.T, h, c, w_hh)
        c = both[:, :1]
        h = both[:, 1:] * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs)


op(
    "nn.LSTM_steps",  # F.linear over the sequence, then LSTMStep twice, as nn.LSTM unrolls it
    lambda x, w_ih, w_hh: tg.nn.rnn._run_direction(
        tg.nn.rnn.lstm_cell, x, (x[0, :, :1] * 0,) * 2, w_ih, w_hh, None, None
    )[0],
    st.builds(
        lambda rng: Case((real(rng, (2, 1, 2)), real(rng, (4, 2)), real(rng, (4, 1))), {}),
        st.builds(np.random.default_rng, st.integers(0, 2**32 - 1)),
    ),
    _torch_lstm_run,
    reference=_lstm_run_reference,
)
