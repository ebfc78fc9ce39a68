"""nn.Embedding, nn.LayerNorm (and F.embedding, F.layer_norm) against PyTorch from the same weights,
state dicts loaded both ways; their errors; and tg.save of a whole Module."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

RNG = np.random.default_rng(15)


def host(t):
    return np.asarray(t.detach())


def to_torch_state(module):
    torch = pytest.importorskip("torch")
    return {k: torch.from_numpy(np.array(v)) for k, v in module.state_dict().items()}


def from_torch_state(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


# ---- Embedding -------------------------------------------------------------------------------------------


def test_embedding_shapes_init_and_repr():
    emb = nn.Embedding(27, 10)
    assert emb.weight.shape == (27, 10) and emb.weight.requires_grad
    assert emb(tg.tensor([[1, 2, 3], [4, 5, 26]])).shape == (2, 3, 10)
    assert emb(tg.tensor(3)).shape == (10,)
    assert 0.7 < float(emb.weight.std()) < 1.3  # N(0, 1) rows, as in PyTorch
    assert repr(emb) == "Embedding(27, 10)"
    padded = nn.Embedding(5, 3, padding_idx=-1)
    assert padded.padding_idx == 4 and repr(padded) == "Embedding(5, 3, padding_idx=4)"
    assert not host(padded.weight)[4].any()  # the padding row starts at zero
    assert list(padded.state_dict()) == ["weight"]


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_matches_torch_both_ways(padding_idx):
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(6, 4, padding_idx=padding_idx).double()
    theirs = torch.nn.Embedding(6, 4, padding_idx=padding_idx).double()
    theirs.load_state_dict(to_torch_state(ours))  # ours → torch
    index = [[0, 2, 5, 2], [2, 1, 1, 3]]
    out_o, out_t = ours(tg.tensor(index)), theirs(torch.tensor(index))
    np.testing.assert_allclose(host(out_o), out_t.detach().numpy(), rtol=0, atol=0)
    upstream = RNG.standard_normal(out_t.shape)
    (out_o * tg.tensor(upstream)).sum().backward()
    (out_t * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    if padding_idx is not None:
        assert not host(ours.weight.grad)[padding_idx].any()  # used three times, still no gradient
        assert host(ours.weight.grad)[1].any()  # a repeated index accumulates
    fresh = nn.Embedding(6, 4, padding_idx=padding_idx).double()
    with torch.no_grad():
        theirs.weight.normal_()
    fresh.load_state_dict(from_torch_state(theirs))  # torch → ours
    np.testing.assert_array_equal(host(fresh(tg.tensor(index))), theirs(torch.tensor(index)).detach().numpy())


def test_embedding_index_out_of_range_names_embedding_and_the_index():
    emb = nn.Embedding(27, 4)
    with pytest.raises(IndexError, match=r"Embedding: index 27 .*27 embeddings"):
        emb(tg.tensor([3, 27]))
    with pytest.raises(IndexError, match="index -1"):
        emb(tg.tensor([-1]))
    with pytest.raises(IndexError, match="embedding: index 9"):
        F.embedding(tg.tensor([9]), tg.randn(4, 2))
    with pytest.raises(TypeError, match="integer tensor"):
        emb(tg.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)


def test_embedding_from_pretrained_is_frozen_by_default():
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(host(frozen(tg.tensor([1, 0]))), [[3.0, 4.0], [1.0, 2.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_trains_a_bigram_table():
    """One gradient step on a cross-entropy over embedding rows moves exactly the rows used."""
    emb = nn.Embedding(5, 5)
    before = host(emb.weight).copy()
    loss = F.cross_entropy(emb(tg.tensor([0, 1])), tg.tensor([1, 2]))
    loss.backward()
    with tg.no_grad():
        emb.weight -= 0.5 * emb.weight.grad
    changed = np.abs(host(emb.weight) - before).sum(axis=1) > 0
    np.testing.assert_array_equal(changed, [True, True, False, False, False])


# ---- LayerNorm -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "normalized", "kwargs"),
    [
        ((4, 6), 6, {}),
        ((2, 3, 4), (3, 4), {}),
        ((2, 5), [5], {"eps": 1e-3}),
        ((3, 4), 4, {"elementwise_affine": False}),
        ((3, 4), 4, {"bias": False}),
    ],
)
def test_layer_norm_matches_torch_both_ways(shape, normalized, kwargs):
    torch = pytest.importorskip("torch")
    ours = nn.LayerNorm(normalized, **kwargs).double()
    theirs = torch.nn.LayerNorm(normalized, **kwargs).double()
    if ours.weight is not None:  # not the trivial γ = 1, β = 0
        with tg.no_grad():
            ours.weight.normal_()
            if ours.bias is not None:
                ours.bias.normal_()
    theirs.load_state_dict(to_torch_state(ours))
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    x = RNG.standard_normal(shape)
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o, out_t = ours(xo), theirs(xt)
    np.testing.assert_allclose(host(out_o), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = RNG.standard_normal(shape)
    (out_o * tg.tensor(upstream)).sum().backward()
    (out_t * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(host(p.grad), theirs_params[name].grad.numpy(), rtol=1e-10, atol=1e-12)
    fresh = nn.LayerNorm(normalized, **kwargs).double()
    fresh.load_state_dict(from_torch_state(theirs))  # torch → ours
    np.testing.assert_allclose(host(fresh(tg.tensor(x))), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_layer_norm_is_the_same_in_train_and_eval_and_normalises():
    layer = nn.LayerNorm(8)
    x = tg.randn(5, 8) * 3 + 2
    y = layer(x)
    np.testing.assert_allclose(host(y.mean(-1)), 0, atol=1e-5)
    np.testing.assert_allclose(host(y.var(-1, unbiased=False)), 1, atol=1e-3)
    layer.eval()
    np.testing.assert_array_equal(host(layer(x)), host(y))
    assert repr(layer) == "LayerNorm((8,), eps=1e-05, elementwise_affine=True)"


def test_layer_norm_shape_errors_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"layer_norm: input of shape \(2, 5\) .*\(4,\)"):
        nn.LayerNorm(4)(tg.randn(2, 5))
    with pytest.raises(RuntimeError, match="weight has shape"):
        F.layer_norm(tg.randn(2, 4), (4,), weight=tg.ones(3))


# ---- containers, buffers, saving -------------------------------------------------------------------------


def test_module_dict_and_buffers():
    model = nn.ModuleDict({"emb": nn.Embedding(3, 2), "norm": nn.LayerNorm(2)})
    model.register_buffer("steps", tg.tensor(0))
    assert sorted(model.state_dict()) == ["emb.weight", "norm.bias", "norm.weight", "steps"]
    assert [b.shape for b in model.buffers()] == [()]


def test_saving_a_whole_module_says_to_save_its_state_dict(tmp_path):
    model = nn.Sequential(nn.Embedding(3, 2), nn.LayerNorm(2))
    with pytest.raises(TypeError, match=r"Sequential.*state_dict\(\)"):
        tg.save(model, tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()
    tg.save(model.state_dict(), tmp_path / "state.npz")  # the right way still works
    fresh = nn.Sequential(nn.Embedding(3, 2), nn.LayerNorm(2))
    fresh.load_state_dict(tg.load(tmp_path / "state.npz"))
    np.testing.assert_array_equal(host(fresh[0].weight), host(model[0].weight))
