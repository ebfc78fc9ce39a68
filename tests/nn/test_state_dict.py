"""state_dict / load_state_dict: PyTorch's names and layouts, host copies, validation before copying."""

import collections

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu())


def torch_net():
    torch = pytest.importorskip("torch")

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 6)
            self.bn = torch.nn.BatchNorm1d(6)
            self.fc2 = torch.nn.Linear(6, 3)

        def forward(self, x):
            return self.fc2(torch.relu(self.bn(self.fc1(x))))

    return TorchNet()


def snapshot(module):
    return {k: v.copy() for k, v in module.state_dict().items()}


def assert_same_state(module, reference):
    state = module.state_dict()
    assert list(state) == list(reference)
    for key, value in reference.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)


def trained_net():
    net = Net()
    for _ in range(3):  # running stats move away from their initial values
        net(tg.randn(8, 4) * 2 + 1)
    return net


# ---- state_dict ---------------------------------------------------------------------------------------


def test_state_dict_names_shapes_and_dtypes_match_pytorch():
    theirs = torch_net().state_dict()
    ours = Net().state_dict()
    assert isinstance(ours, collections.OrderedDict)
    assert list(ours) == list(theirs)
    for key in ours:
        assert isinstance(ours[key], np.ndarray)
        assert ours[key].shape == tuple(theirs[key].shape), key
        assert ours[key].dtype == theirs[key].numpy().dtype, key


def test_sequential_state_dict_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3))
    assert list(model.state_dict()) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "2.running_mean",
        "2.running_var",
        "2.num_batches_tracked",
    ]


def test_state_dict_values_are_host_copies():
    net = Net()
    state = net.state_dict()
    state["fc1.weight"][...] = 123.0
    assert not (np.asarray(net.fc1.weight.detach()) == 123.0).any()
    with tg.no_grad():
        net.fc1.weight.fill_(7.0)
    assert not (state["fc1.weight"] == 7.0).any()


def test_state_dict_keep_vars_gives_the_tensors():
    net = Net()
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight


def test_state_dict_moves_into_pytorch_and_gives_the_same_outputs():
    torch = pytest.importorskip("torch")
    ours = trained_net().eval()
    theirs = torch_net().eval()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        theirs(torch.from_numpy(x)).detach().numpy(),
        np.asarray(ours(tg.tensor(x)).detach()),
        rtol=1e-5,
        atol=1e-6,
    )


def test_pytorch_state_dict_loads_into_ours():
    torch = pytest.importorskip("torch")
    theirs = torch_net()
    theirs(torch.randn(8, 4))  # move the running stats
    theirs.eval()
    ours = Net()
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    ours.eval()
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(ours(tg.tensor(x)).detach()),
        theirs(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


# ---- load_state_dict ---------------------------------------------------------------------------------


def test_load_state_dict_copies_in_place_keeping_identity_and_device(device):
    source, target = trained_net(), Net()
    params = list(target.parameters())
    buffers = list(target.buffers())
    target.load_state_dict(source.state_dict())
    assert list(target.parameters()) == params and list(target.buffers()) == buffers
    assert all(p.device == device and p.requires_grad and p.is_leaf for p in target.parameters())
    assert_same_state(target, source.state_dict())


def test_load_state_dict_accepts_tensors_on_either_device():
    source, target = trained_net(), Net()
    for other in ("cpu", "cuda"):
        state = {k: tg.tensor(v, device=other) for k, v in source.state_dict().items()}
        target.load_state_dict(state)
        assert_same_state(target, source.state_dict())
    target.load_state_dict(source.state_dict(keep_vars=True))
    assert_same_state(target, source.state_dict())


def test_load_state_dict_bumps_versions_so_stale_graphs_fail():
    net = Net()
    y = net(tg.randn(4, 4)).sum()
    net.load_state_dict(Net().state_dict())
    with pytest.raises(RuntimeError):
        y.backward()


def test_missing_key_raises_and_leaves_module_unchanged():
    net = trained_net()
    before = snapshot(net)
    state = Net().state_dict()
    del state["bn.running_var"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bn.running_var"'):
        net.load_state_dict(state)
    assert_same_state(net, before)


def test_unexpected_key_raises_and_leaves_module_unchanged():
    net = trained_net()
    before = snapshot(net)
    state = Net().state_dict()
    state["fc3.weight"] = np.zeros((2, 2), np.float32)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "fc3.weight"'):
        net.load_state_dict(state)
    assert_same_state(net, before)


def test_shape_mismatch_raises_naming_shapes_and_leaves_module_unchanged():
    net = trained_net()
    before = snapshot(net)
    state = Net().state_dict()
    state["fc2.weight"] = np.zeros((3, 7), np.float32)  # the last key: everything before it was fine
    with pytest.raises(RuntimeError, match=r"size mismatch for fc2.weight.*\(3, 7\).*\(3, 6\)"):
        net.load_state_dict(state)
    assert_same_state(net, before)
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict(state, strict=False)  # a wrong shape is an error even when not strict
    assert_same_state(net, before)


def test_non_strict_loading_reports_and_loads_the_rest():
    net, source = Net(), trained_net()
    state = source.state_dict()
    del state["fc2.bias"]
    state["extra"] = np.zeros(1)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.state_dict()["fc1.weight"], source.state_dict()["fc1.weight"])
    assert not np.array_equal(net.state_dict()["fc2.bias"], source.state_dict()["fc2.bias"])


def test_load_state_dict_type_errors():
    with pytest.raises(TypeError, match="dict"):
        Net().load_state_dict([("fc1.weight", np.zeros((6, 4)))])


def test_state_dict_round_trip_through_save_and_load(tmp_path):
    source, target = trained_net(), Net()
    tg.save(source.state_dict(), tmp_path / "net.npz")
    target.load_state_dict(tg.load(tmp_path / "net.npz"))
    assert_same_state(target, source.state_dict())
    x = tg.randn(3, 4)
    source.eval()
    target.eval()
    np.testing.assert_array_equal(np.asarray(source(x).detach()), np.asarray(target(x).detach()))
