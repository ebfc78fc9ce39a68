"""tg.Generator and the generator= keyword: the same seed gives the same stream, whatever else the
program draws; tg.multinomial and tg.randperm; and the character-level bigram model of a public
lecture, written with PyTorch's habits, running unchanged."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def host(t):
    return np.asarray(t.detach())


DRAWS = {
    "rand": lambda g: tg.rand(2, 3, generator=g),
    "randn": lambda g: tg.randn(4, generator=g),
    "randint": lambda g: tg.randint(0, 100, (5,), generator=g),
    "randperm": lambda g: tg.randperm(10, generator=g),
    "multinomial": lambda g: tg.multinomial(tg.tensor([0.2, 0.5, 0.3]), 6, replacement=True, generator=g),
    "multinomial_no_replacement": lambda g: tg.multinomial(tg.ones(2, 8), 5, generator=g),
    "multinomial_method": lambda g: tg.tensor([0.2, 0.5, 0.3]).multinomial(2, generator=g),
    "normal_": lambda g: tg.zeros(5).normal_(2.0, 0.5, generator=g),
    "uniform_": lambda g: tg.zeros(5).uniform_(-1.0, 1.0, generator=g),
    "init.normal_": lambda g: nn.init.normal_(tg.zeros(5), generator=g),
    "init.uniform_": lambda g: nn.init.uniform_(tg.zeros(5), generator=g),
    "F.dropout": lambda g: F.dropout(tg.ones(20), 0.5, generator=g),
    "nn.Dropout": lambda g: nn.Dropout(0.5, generator=g)(tg.ones(20)),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_the_same_seed_gives_the_same_stream_whatever_is_drawn_in_between(name):
    draw = DRAWS[name]
    g = tg.Generator().manual_seed(2147483647)
    first = [host(draw(g)) for _ in range(3)]
    tg.manual_seed(0)
    g.manual_seed(2147483647)
    tg.randn(100)  # the library's own stream moves on: the generator's does not notice
    second = [host(draw(g)) for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(first[0], f) for f in first[1:])  # the stream moves on
    other = tg.Generator().manual_seed(1)
    assert any(not np.array_equal(a, host(draw(other))) for a in first)  # another seed, another stream


def test_rand_and_randn_use_the_generator_not_the_global_stream():
    tg.manual_seed(5)
    plain = host(tg.rand(4))
    tg.manual_seed(5)
    tg.rand(4, generator=tg.Generator().manual_seed(5))
    tg.randn(4, generator=tg.Generator())
    np.testing.assert_array_equal(host(tg.rand(4)), plain)  # the generators left the global stream alone


def test_generator_seed_state_and_errors():
    g = tg.Generator()
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    assert g.device == "cpu" and "initial_seed=42" in repr(g)
    assert tg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps as in PyTorch
    seed = g.seed()
    assert isinstance(seed, int) and g.initial_seed() == seed
    state = g.get_state()
    assert isinstance(state, tg.Tensor) and state.dtype == tg.uint8
    a = host(tg.randn(5, generator=g))
    assert g.set_state(state) is g
    np.testing.assert_array_equal(host(tg.randn(5, generator=g)), a)
    with pytest.raises(RuntimeError, match="set_state"):
        g.set_state(tg.zeros(4, dtype=tg.uint8))
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        g.manual_seed(1.5)
    with pytest.raises(TypeError, match=r"generator: expected a tg\.Generator"):
        tg.rand(2, generator=np.random.default_rng(0))


def test_generator_state_survives_a_checkpoint(tmp_path):
    g = tg.Generator().manual_seed(7)
    tg.randn(3, generator=g)
    tg.save({"rng": g.get_state()}, tmp_path / "rng.npz")
    expected = host(tg.randn(3, generator=g))
    restored = tg.Generator().set_state(tg.load(tmp_path / "rng.npz")["rng"])
    np.testing.assert_array_equal(host(tg.randn(3, generator=restored)), expected)


# ---- multinomial and randperm -------------------------------------------------------------------------


def test_multinomial_with_replacement_follows_the_probabilities():
    g = tg.Generator().manual_seed(0)
    probs = tg.tensor([1.0, 0.0, 6.0, 3.0])  # weights: they need not sum to 1
    draws = tg.multinomial(probs, 20000, replacement=True, generator=g)
    assert draws.shape == (20000,) and draws.dtype == tg.int64
    counts = np.bincount(host(draws), minlength=4) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.6, 0.3], atol=0.015)
    assert counts[1] == 0  # a zero weight is never drawn


def test_multinomial_without_replacement_draws_distinct_indices_in_proportion():
    g = tg.Generator().manual_seed(1)
    rows = tg.tensor([[1.0, 0.0, 2.0, 7.0, 0.5]] * 4000)
    draws = host(tg.multinomial(rows, 3, generator=g))
    assert draws.shape == (4000, 3)
    assert all(len(set(row)) == 3 and 1 not in row for row in draws.tolist())
    first = np.bincount(draws[:, 0], minlength=5) / 4000  # the first draw: proportional to the weights
    np.testing.assert_allclose(first, np.array([1.0, 0.0, 2.0, 7.0, 0.5]) / 10.5, atol=0.03)
    assert sorted(host(tg.multinomial(tg.ones(6), 6, generator=g)).tolist()) == list(range(6))


@pytest.mark.parametrize(
    ("probs", "num_samples", "replacement", "message"),
    [
        ([0.5, 0.5], 3, False, r"cannot sample n_sample \(3\) > prob_dist.size\(-1\) \(2\)"),
        ([0.5, 0.0, 0.5], 3, False, "fewer non-zero probabilities"),
        ([0.5, -0.1], 1, True, "element < 0"),
        ([0.0, 0.0], 1, True, "sum of probabilities <= 0"),
        ([float("nan"), 1.0], 1, True, "inf, nan"),
        ([[[1.0]]], 1, True, "1-D or 2-D"),
        ([0.5, 0.5], 0, True, "num_samples must be a positive int"),
    ],
)
def test_multinomial_errors(probs, num_samples, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        tg.multinomial(tg.tensor(probs), num_samples, replacement)


def test_randperm_and_randint():
    perm = host(tg.randperm(50, generator=tg.Generator().manual_seed(3)))
    assert sorted(perm.tolist()) == list(range(50)) and perm.tolist() != list(range(50))
    assert tg.randperm(0).shape == (0,) and tg.randperm(4, dtype=tg.int32).dtype == tg.int32
    values = host(tg.randint(3, 7, (1000,), generator=tg.Generator()))
    assert values.min() == 3 and values.max() == 6
    with pytest.raises(RuntimeError, match="randint: expected low < high"):
        tg.randint(5, 5, (2,))


# ---- the bigram model of a public lecture, unchanged --------------------------------------------------


def test_bigram_lecture_code_runs(capsys):
    words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn"]
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    n_chars = len(stoi)

    N = tg.zeros((n_chars, n_chars), dtype=tg.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: RUF007  (the lecture's own idiom)
            N[stoi[ch1], stoi[ch2]] += 1

    g = tg.Generator().manual_seed(2147483647)
    p = tg.rand(3, generator=g)
    p = p / p.sum()
    ix = tg.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    assert ix in (0, 1, 2)

    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    np.testing.assert_allclose(host(P.sum(1)), 1.0, rtol=1e-6)

    g = tg.Generator().manual_seed(2147483647)
    names = []
    for _ in range(5):
        out, ix = [], 0
        while True:
            ix = tg.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    assert all(name.endswith(".") for name in names)

    log_likelihood, n = 0.0, 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: RUF007  (the lecture's own idiom)
            logprob = tg.log(P[stoi[ch1], stoi[ch2]])
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    print(f"{log_likelihood=}")
    print(f"{nll=}")
    print(f"{nll / n}")
    assert 0 < float(nll / n) < np.log(n_chars)

    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: RUF007  (the lecture's own idiom)
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs, ys = tg.tensor(xs), tg.tensor(ys)
    num = xs.nelement()
    assert num == n

    g = tg.Generator().manual_seed(2147483647)
    W = tg.randn((n_chars, n_chars), generator=g, requires_grad=True)
    losses = []
    for _ in range(30):
        xenc = F.one_hot(xs, num_classes=n_chars).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[tg.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
    print(f"{loss=}")
    print(f"{loss.item():.4f} {loss.log10()}")
    assert losses[-1] < losses[0] / 2 and W.is_leaf
    printed = capsys.readouterr().out
    assert f"{losses[-1]:.4f}" in printed and "loss=tensor(" in printed
    assert printed.splitlines()[2] == str((nll / n).item())  # f"{t}" of a 0-d tensor is its number
