"""One step of a recurrent layer as one op (``nn/rnn.py`` unrolls it over time)."""

from ..autograd.function import Op


def _sigmoid(xp, a):
    """σ(a) = (1 + tanh(a/2)) / 2: the logistic function without overflow, in ``ctx.xp``'s names."""
    return (1 + xp.tanh(a / 2)) / 2


def _lstm_gates(xp, x_proj, h, weight_hh, bias_hh):
    """The activated gates i, f, g, o of an LSTM step (PyTorch's order, each (N, hidden))."""
    pre = x_proj + h @ xp.swapaxes(weight_hh, 0, 1)
    if bias_hh is not None:
        pre = pre + bias_hh
    hidden = h.shape[-1]
    i, f, g, o = (pre[:, k * hidden : (k + 1) * hidden] for k in range(4))
    return _sigmoid(xp, i), _sigmoid(xp, f), xp.tanh(g), _sigmoid(xp, o)


class LSTMStep(Op):
    """The gates and the new cell of one LSTM step (Hochreiter & Schmidhuber 1997, with a forget gate):

        i, f, g, o = σ, σ, tanh, σ of the quarters of a = x_proj + h W_hhᵀ + b_hh   (x_proj = x W_ihᵀ + b_ih)
        c' = f ⊙ c + i ⊙ g,   output [c' | o] of shape (N, 2·hidden)

    ``nn/rnn.py`` finishes the step with h' = o ⊙ tanh(c'), so c' stays upstream of h' (a hook or
    ``retain_grad`` on c' sees ∂L/∂c' through h' too). Backward, from dc' and do:
        da = [dc' ⊙ g ⊙ i(1 − i) | dc' ⊙ c ⊙ f(1 − f) | dc' ⊙ i ⊙ (1 − g²) | do ⊙ o(1 − o)]
        dx_proj = da,   dh = da W_hh,   dc = dc' ⊙ f,   dW_hh = daᵀ h,   db_hh = Σ_batch da

    The cell c is carried by addition, so its gradient flows back through f alone — no squashing
    weight matrix in the way — which is how an LSTM keeps gradients alive over many steps. Backward
    recomputes the gates from the saved inputs (with ``ctx.xp``), so it is differentiable again.
    Reached from ``nn.LSTM`` and ``nn.LSTMCell``.
    """

    @staticmethod
    def forward(ctx, x_proj, h, c, weight_hh, bias_hh):
        xp = ctx.xp
        i, f, g, o = _lstm_gates(xp, x_proj, h, weight_hh, bias_hh)
        ctx.save_for_backward(x_proj, h, c, weight_hh, bias_hh)
        return xp.concatenate((f * c + i * g, o), axis=-1)

    @staticmethod
    def backward(ctx, grad):
        x_proj, h, c, weight_hh, bias_hh = ctx.saved_tensors
        xp = ctx.xp
        i, f, g, o = _lstm_gates(xp, x_proj, h, weight_hh, bias_hh)
        hidden = h.shape[-1]
        grad_c_next, grad_o = grad[:, :hidden], grad[:, hidden:]
        grad_pre = xp.concatenate(
            (
                grad_c_next * g * i * (1 - i),
                grad_c_next * c * f * (1 - f),
                grad_c_next * i * (1 - g * g),
                grad_o * o * (1 - o),
            ),
            axis=-1,
        )
        need_x, need_h, need_c, need_weight, need_bias = ctx.needs_input_grad
        return (
            grad_pre if need_x else None,
            grad_pre @ weight_hh if need_h else None,
            grad_c_next * f if need_c else None,
            xp.swapaxes(grad_pre, 0, 1) @ h if need_weight else None,
            xp.sum(grad_pre, axis=0) if need_bias else None,
        )
