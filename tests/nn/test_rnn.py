"""Recurrent layers: RNN, LSTM, GRU and their cells, against PyTorch (where installed), against their
step formulas written in NumPy, by gradcheck, and their errors."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

RNG = np.random.default_rng(15)


def host(t):
    return np.asarray(t.detach())


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ---- against PyTorch, from the same weights ------------------------------------------------------------

CONFIGS = {
    "RNN-tanh": ("RNN", {}),
    "RNN-relu-2-layers": ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    "LSTM": ("LSTM", {}),
    "LSTM-2-layers-batch-first": ("LSTM", {"num_layers": 2, "batch_first": True}),
    "LSTM-bidirectional-no-bias": ("LSTM", {"bidirectional": True, "bias": False}),
    "GRU": ("GRU", {}),
    "GRU-3-layers-bidirectional": ("GRU", {"num_layers": 3, "bidirectional": True, "batch_first": True}),
}


def run(module, lib, x, h0, upstream):
    """Forward with (or without) an initial state, then backward of Σ output·upstream + Σ final states."""
    xt = lib.tensor(x, requires_grad=True)
    state = None
    if h0 is not None:
        state = tuple(lib.tensor(h, requires_grad=True) for h in h0)
        state = state if len(state) == 2 else state[0]
    output, final = module(xt, state)
    finals = final if isinstance(final, tuple) else (final,)
    loss = (output * lib.tensor(upstream)).sum() + sum((f * (k + 2)).sum() for k, f in enumerate(finals))
    loss.backward()
    leaves = state if isinstance(state, tuple) else (() if state is None else (state,))
    return {
        "output": output,
        **{f"final{k}": f for k, f in enumerate(finals)},
        "x.grad": xt.grad,
        **{f"h0[{k}].grad": h.grad for k, h in enumerate(leaves)},
        **{f"{name}.grad": p.grad for name, p in module.named_parameters()},
    }


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_state", [False, True], ids=["h0=None", "h0"])
def test_forward_and_gradients_match_torch(name, batched, with_state):
    torch = pytest.importorskip("torch")
    kind, kwargs = CONFIGS[name]
    ours = getattr(nn, kind)(4, 5, **kwargs).double()
    theirs = getattr(torch.nn, kind)(4, 5, **kwargs).double()
    # ours → torch: our state dict loads into PyTorch's module
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    length, batch = 6, 3
    shape = (
        (length, 4)
        if not batched
        else ((batch, length, 4) if kwargs.get("batch_first") else (length, batch, 4))
    )
    x = RNG.standard_normal(shape)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h0 = None
    if with_state:
        state_shape = (layers, batch, 5) if batched else (layers, 5)
        h0 = [RNG.standard_normal(state_shape) for _ in range(2 if kind == "LSTM" else 1)]
    out_shape = (*shape[:-1], 5 * (2 if kwargs.get("bidirectional") else 1))
    upstream = RNG.standard_normal(out_shape)
    mine, reference = run(ours, tg, x, h0, upstream), run(theirs, torch, x, h0, upstream)
    assert list(mine) == list(reference)
    assert mine["output"].shape == out_shape
    for key in mine:
        np.testing.assert_allclose(
            host(mine[key]), reference[key].detach().numpy(), rtol=1e-9, atol=1e-11, err_msg=key
        )


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_state_dict_names_shapes_and_loading_from_torch(kind):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind)(3, 7, num_layers=2, bidirectional=True)
    ours = getattr(nn, kind)(3, 7, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})  # torch → ours
    x = RNG.standard_normal((5, 2, 3)).astype(np.float32)
    (out_o, _), (out_t, _) = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(host(out_o), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_cells_match_torch(kind, batched):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, kind)(3, 4).double(), getattr(torch.nn, kind)(3, 4).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    shape = (2, 3) if batched else (3,)
    state_shape = (2, 4) if batched else (4,)
    x = RNG.standard_normal(shape)
    states = [RNG.standard_normal(state_shape) for _ in range(2 if kind == "LSTMCell" else 1)]
    results = []
    for lib, module in ((tg, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        hs = [lib.tensor(s, requires_grad=True) for s in states]
        out = module(xt, tuple(hs) if len(hs) == 2 else hs[0])
        outs = out if isinstance(out, tuple) else (out,)
        sum((o * (k + 1)).sum() for k, o in enumerate(outs)).backward()
        results.append([*outs, xt.grad, *(h.grad for h in hs), *(p.grad for p in module.parameters())])
    for mine, reference in zip(*results):
        np.testing.assert_allclose(host(mine), reference.detach().numpy(), rtol=1e-10, atol=1e-12)


# ---- without PyTorch: the formulas, gradcheck, init ----------------------------------------------------


def weights(module, suffix=""):
    return [host(getattr(module, f"{k}{suffix}")) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def test_lstm_follows_its_gate_formulas():
    lstm = nn.LSTM(2, 3).double()
    w_ih, w_hh, b_ih, b_hh = weights(lstm, "_l0")
    x = RNG.standard_normal((4, 1, 2))
    h, c = np.zeros((1, 3)), np.zeros((1, 3))
    expected = []
    for t in range(4):
        gates = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = np.split(gates, 4, axis=-1)  # PyTorch's order: input, forget, cell, output
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        expected.append(h)
    output, (h_n, c_n) = lstm(tg.tensor(x))
    np.testing.assert_allclose(host(output), np.stack(expected), rtol=1e-12)
    np.testing.assert_allclose(host(h_n)[0], h, rtol=1e-12)
    np.testing.assert_allclose(host(c_n)[0], c, rtol=1e-12)


def test_gru_follows_its_gate_formulas():
    gru = nn.GRU(2, 3, batch_first=True).double()
    w_ih, w_hh, b_ih, b_hh = weights(gru, "_l0")
    x = RNG.standard_normal((1, 4, 2))
    h = np.zeros((1, 3))
    for t in range(4):
        r_x, z_x, n_x = np.split(x[:, t] @ w_ih.T + b_ih, 3, axis=-1)  # order: reset, update, new
        r_h, z_h, n_h = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sigmoid(r_x + r_h), sigmoid(z_x + z_h)
        n = np.tanh(n_x + r * n_h)  # r multiplies W_hn h + b_hn
        h = (1 - z) * n + z * h
    output, h_n = gru(tg.tensor(x))
    np.testing.assert_allclose(host(output)[:, -1], h, rtol=1e-12)
    np.testing.assert_allclose(host(h_n)[0], h, rtol=1e-12)


def test_rnn_relu_and_two_layers_follow_the_formula():
    rnn = nn.RNN(2, 3, num_layers=2, nonlinearity="relu").double()
    x = RNG.standard_normal((5, 2))  # unbatched
    inputs = x
    for layer in range(2):
        w_ih, w_hh, b_ih, b_hh = weights(rnn, f"_l{layer}")
        h, outputs = np.zeros(3), []
        for t in range(5):
            h = np.maximum(inputs[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 0)
            outputs.append(h)
        inputs = np.stack(outputs)
    output, h_n = rnn(tg.tensor(x))
    assert output.shape == (5, 3) and h_n.shape == (2, 3)
    np.testing.assert_allclose(host(output), inputs, rtol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_in_float64(kind):
    """Gradients for the input, the initial state and every weight of a 2-layer bidirectional layer."""
    tg.manual_seed(2)
    module = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
    names = [name for name, _ in module.named_parameters()]
    x = tg.randn(2, 3, 2, dtype=tg.float64, requires_grad=True)
    h0 = tg.randn(4, 2, 3, dtype=tg.float64, requires_grad=True)

    def output(x, h0, *weights):
        saved = dict(module._parameters)
        module._parameters.update(zip(names, weights))  # run with these tensors as the weights
        try:
            return module(x, (h0, h0.tanh()) if kind == "LSTM" else h0)[0]
        finally:
            module._parameters.update(saved)

    weights = [p.detach().requires_grad_() for p in module.parameters()]
    assert output(x, h0, *weights).shape == (2, 3, 6)
    assert tg.gradcheck(output, (x, h0, *weights))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_init_is_uniform_in_plus_minus_one_over_sqrt_hidden(kind):
    tg.manual_seed(0)
    module = getattr(nn, kind)(10, 16)
    bound = 1 / math.sqrt(16)
    for name, p in module.named_parameters():
        values = host(p)
        assert np.abs(values).max() <= bound, name
        assert values.std() > bound / 3, f"{name} should be spread over the interval (std of U: bound/√3)"


def test_dropout_between_layers_only_while_training():
    tg.manual_seed(1)
    lstm = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = tg.randn(4, 2, 3)
    lstm.eval()
    first, second = host(lstm(x)[0]), host(lstm(x)[0])
    np.testing.assert_array_equal(first, second)
    lstm.train()
    assert not np.allclose(host(lstm(x)[0]), first)
    assert "dropout=0.5" in repr(lstm)


def test_a_trained_lstm_gets_its_gradient_to_every_parameter():
    lstm, head = nn.LSTM(1, 4, batch_first=True), nn.Linear(4, 1)
    _, (h_n, _) = lstm(tg.randn(3, 5, 1))
    head(h_n[-1]).sum().backward()
    for name, p in lstm.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.abs(host(p.grad)).sum() > 0, name


# ---- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: nn.LSTM(3, 4)(tg.randn(2, 2, 2, 3)), ValueError, "LSTM: expected input with 2 .* got 4"),
        (lambda: nn.GRU(3, 4)(tg.randn(5)), ValueError, "GRU: expected input with 2"),
        (lambda: nn.RNN(3, 4)(tg.randn(5, 2, 6)), ValueError, "RNN: input.size\\(-1\\) .* expected 3, got 6"),
        (
            lambda: nn.RNN(3, 4)(tg.randn(5, 2, 3), tg.zeros(1, 3, 4)),
            ValueError,
            r"RNN: expected h_0 of shape \(1, 2, 4\)",
        ),
        (
            lambda: nn.RNN(3, 4)(tg.randn(5, 3), tg.zeros(1, 1, 4)),
            ValueError,
            r"RNN: expected h_0 of shape \(1, 4\)",
        ),
        (
            lambda: nn.LSTM(3, 4, num_layers=2)(tg.randn(5, 2, 3), (tg.zeros(2, 2, 4), tg.zeros(1, 2, 4))),
            ValueError,
            r"LSTM: expected c_0 of shape \(2, 2, 4\), got \(1, 2, 4\)",
        ),
        (
            lambda: nn.LSTM(3, 4)(tg.randn(5, 2, 3), tg.zeros(1, 2, 4)),
            TypeError,
            "LSTM: .* tuple \\(h_0, c_0\\)",
        ),
        (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "RNN: unknown nonlinearity 'sigmoid'"),
        (lambda: nn.GRU(0, 4), ValueError, "GRU: input_size must be a positive int, got 0"),
        (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, "LSTM: num_layers must be a positive int, got 0"),
        (
            lambda: nn.LSTM(3, 4, dropout=1.5),
            ValueError,
            "LSTM: dropout must be a number in \\[0, 1\\], got 1.5",
        ),
        (lambda: nn.LSTM(3, 4, proj_size=2), NotImplementedError, "LSTM: proj_size=2"),
        (lambda: nn.GRUCell(3, 4)(tg.randn(2, 2, 3)), ValueError, "GRUCell: expected input with 1"),
        (
            lambda: nn.LSTMCell(3, 4)(tg.randn(2, 5)),
            ValueError,
            "LSTMCell: input.size\\(-1\\) .* expected 3, got 5",
        ),
        (
            lambda: nn.RNNCell(3, 4)(tg.randn(2, 3), tg.zeros(3, 4)),
            ValueError,
            r"RNNCell: expected hx of shape \(2, 4\)",
        ),
        (
            lambda: nn.LSTMCell(3, 4)(tg.randn(2, 3), tg.zeros(2, 4)),
            TypeError,
            "LSTMCell: the state must be a tuple",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_wrong_input_raises_naming_the_class(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_every_recurrent_name_is_a_documented_module():
    for name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNNCellBase"):
        value = getattr(nn, name)
        assert issubclass(value, nn.Module) and (value.__doc__ or "").strip(), name
        assert (value.forward.__doc__ or "").strip(), f"{name}.forward"


def test_positional_arguments_in_pytorchs_order():
    rnn = nn.RNN(3, 4, 2, "relu", False, True)  # num_layers, nonlinearity, bias, batch_first
    assert (rnn.num_layers, rnn.nonlinearity, rnn.bias, rnn.batch_first) == (2, "relu", False, True)
    lstm = nn.LSTM(3, 4, 1, True, True, 0.0, True)  # num_layers, bias, batch_first, dropout, bidirectional
    assert lstm.batch_first and lstm.bidirectional
    output, (h_n, c_n) = lstm(tg.randn(2, 5, 3))
    assert output.shape == (2, 5, 8) and h_n.shape == c_n.shape == (2, 2, 4)
    gru = nn.GRU(3, 4, 3, False)
    assert gru.num_layers == 3 and "bias_ih_l2" not in gru.state_dict()
