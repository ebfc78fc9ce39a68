"""nn.Sequential, nn.ModuleList, nn.ModuleDict: indexing, slicing, growth, registration."""

import collections

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def make():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


def test_sequential_runs_layers_in_order():
    model = make()
    x = tg.randn(4, 2)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_allclose(np.asarray(model(x).detach()), np.asarray(expected.detach()), rtol=1e-6)


def test_sequential_indexing_len_and_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert list(model) == layers
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    with pytest.raises(TypeError, match="integers or slices"):
        model["0"]


def test_sequential_slice_is_a_sequential_sharing_the_layers():
    model = make()
    tail = model[1:]
    assert isinstance(tail, nn.Sequential)
    assert list(tail) == [model[1], model[2]]
    assert list(tail._modules) == ["1", "2"]  # PyTorch keeps the original names
    x = tg.randn(5, 3)
    np.testing.assert_allclose(np.asarray(tail(x).detach()), np.asarray(model[2](model[1](x)).detach()))
    assert len(model[::2]) == 2


def test_sequential_append_insert_setitem_delitem():
    model = make()
    extra = nn.Sigmoid()
    assert model.append(extra) is model
    assert len(model) == 4 and model[3] is extra
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    new = nn.Tanh()
    model[1] = new
    assert model[1] is new
    del model[1]
    assert len(model) == 3 and isinstance(model[1], nn.Linear)
    assert list(model._modules) == ["0", "1", "2"]
    model.insert(0, nn.Identity())
    assert isinstance(model[0], nn.Identity) and len(model) == 4
    model.extend([nn.ReLU()])
    assert len(model) == 5


def test_sequential_with_ordered_dict_names_its_layers():
    model = nn.Sequential(collections.OrderedDict(hidden=nn.Linear(2, 4), act=nn.ReLU(), out=nn.Linear(4, 1)))
    assert model.hidden is model[0]
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]


def test_sequential_matches_torch_stack():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    ).double()
    ours.double().load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 3))
    xt = torch.tensor(x, requires_grad=True)
    xo = tg.tensor(x, requires_grad=True)
    (theirs(xt) ** 2).sum().backward()
    (ours(xo) ** 2).sum().backward()
    np.testing.assert_allclose(np.asarray(ours(xo).detach()), theirs(xt).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(xo.grad), xt.grad.numpy(), rtol=1e-10)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p.grad), tp.grad.numpy(), rtol=1e-10, err_msg=name)


def test_module_list_registers_and_indexes():
    layers = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))
    assert len(layers) == 3
    assert len(list(layers.parameters())) == 6
    assert [n for n, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert layers[-1] is list(layers)[2]
    assert isinstance(layers[:2], nn.ModuleList) and len(layers[:2]) == 2
    layers.append(nn.ReLU())
    layers += [nn.Tanh()]
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "Linear", "Linear", "ReLU", "Tanh"]
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError):
        layers[10]
    with pytest.raises(NotImplementedError, match="forward"):
        layers(tg.zeros(1))


def test_module_list_inside_a_model_is_visible_to_parameters():
    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).relu()
            return x

    model = Deep()
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    model(tg.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert list(heads) == ["a", "b"] and "a" in heads and len(heads) == 2
    assert heads["b"].out_features == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    heads["c"] = nn.ReLU()
    del heads["a"]
    assert list(heads.keys()) == ["b", "c"]


def test_container_repr():
    model = nn.Sequential(nn.Linear(2, 3), nn.ModuleList([nn.ReLU()]))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ModuleList(\n"
        "    (0): ReLU()\n"
        "  )\n"
        ")"
    )
