"""nn.Module and nn.Parameter: registration, traversal, modes, gradients, devices, repr."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class TwoLayer(nn.Module):
    """A small model with a buffer, a plain attribute and two sub-modules."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.scale = nn.Parameter(tg.ones(4))
        self.register_buffer("offset", tg.zeros(4))
        self.note = "plain attribute"
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2((self.fc1(x) * self.scale + self.offset).relu())


class Tied(nn.Module):
    """Two layers sharing one weight matrix (weight tying)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3, bias=False)
        self.b = nn.Linear(3, 3, bias=False)
        self.b.weight = self.a.weight


SPEC_NAMES = {
    tg.nn: (
        "Module Parameter Sequential ModuleList Linear Identity Flatten Dropout BatchNorm1d Conv2d "
        "MaxPool2d AvgPool2d ReLU LeakyReLU Sigmoid Tanh ELU GELU Softplus Softmax LogSoftmax MSELoss "
        "L1Loss HuberLoss CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss LogisticLoss HingeLoss "
        "MultiMarginLoss init utils functional"
    ),
    tg.nn.init: (
        "zeros_ ones_ constant_ normal_ uniform_ xavier_uniform_ xavier_normal_ kaiming_uniform_ "
        "kaiming_normal_ calculate_gain _calculate_fan_in_and_fan_out"
    ),
    tg.nn.utils: "clip_grad_norm_ clip_grad_value_",
    tg: "nn save load",
}


@pytest.mark.parametrize("namespace", list(SPEC_NAMES), ids=lambda m: m.__name__)
def test_every_spec_name_exists_and_is_documented(namespace):
    for name in SPEC_NAMES[namespace].split():
        value = getattr(namespace, name)
        assert (value.__doc__ or "").strip(), f"{namespace.__name__}.{name} has no docstring"
    module_names = [name for name in SPEC_NAMES[tg.nn].split()[:-3] if name != "Parameter"]
    assert all(issubclass(getattr(tg.nn, name), tg.nn.Module) for name in module_names)
    assert issubclass(tg.nn.Parameter, tg.Tensor)


# ---- Parameter ---------------------------------------------------------------------------------------


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(tg.zeros(2, 3))
    assert isinstance(p, tg.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.shape == (2, 3)


def test_parameter_shares_memory_with_the_wrapped_tensor():
    t = tg.zeros(3)
    p = nn.Parameter(t)
    t.fill_(5.0)
    np.testing.assert_array_equal(p.detach().numpy(), [5.0, 5.0, 5.0])


def test_parameter_of_a_graph_tensor_is_a_leaf():
    x = tg.ones(2, requires_grad=True) * 2
    p = nn.Parameter(x)
    assert p.is_leaf and p.requires_grad


def test_parameter_requires_grad_false_and_repr():
    p = nn.Parameter(tg.tensor([1.0, 2.0]), requires_grad=False)
    assert not p.requires_grad
    text = repr(nn.Parameter(tg.tensor([1.0, 2.0])))
    assert text.startswith("Parameter containing:\ntensor(")
    assert "requires_grad=True" in text


def test_ops_on_parameters_give_plain_tensors():
    p = nn.Parameter(tg.ones(2))
    assert type(p * 2) is tg.Tensor


def test_parameter_of_integers_refuses_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tg.tensor([1, 2]))


# ---- registration -------------------------------------------------------------------------------------


def test_registration_by_attribute_assignment_in_order():
    m = TwoLayer()
    assert list(m._modules) == ["fc1", "fc2"]
    assert list(m._parameters) == ["scale"]
    assert list(m._buffers) == ["offset"]
    assert m.note == "plain attribute"
    assert [name for name, _ in m.named_parameters()] == [
        "scale",
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    assert next(iter(m.parameters())) is m.scale


def test_named_parameters_match_pytorch():
    torch = pytest.importorskip("torch")

    class TorchTwoLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))
            self.register_buffer("offset", torch.zeros(4))
            self.fc2 = torch.nn.Linear(4, 2)

    ours, theirs = TwoLayer(), TorchTwoLayer()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_shared_parameter_is_listed_once():
    m = Tied()
    params = list(m.parameters())
    assert len(params) == 1 and params[0] is m.a.weight
    assert [n for n, _ in m.named_parameters()] == ["a.weight"]
    assert len(list(m.named_parameters(remove_duplicate=False))) == 2
    assert list(m.state_dict()) == ["a.weight", "b.weight"]  # the state dict keeps both names, as PyTorch


def test_shared_submodule_is_walked_once():
    m = nn.Module()
    shared = nn.Linear(2, 2)
    m.first = shared
    m.second = shared
    assert [n for n, _ in m.named_modules()] == ["", "first"]
    assert len(list(m.parameters())) == 2
    assert list(m.children()) == [shared]


def test_children_and_modules():
    m = TwoLayer()
    assert list(m.children()) == [m.fc1, m.fc2]
    assert [n for n, _ in m.named_children()] == ["fc1", "fc2"]
    assert list(m.modules()) == [m, m.fc1, m.fc2]
    nested = nn.Sequential(nn.Sequential(nn.Linear(1, 1)), nn.ReLU())
    assert [n for n, _ in nested.named_modules()] == ["", "0", "0.0", "1"]


def test_parameters_without_recursion():
    m = TwoLayer()
    assert list(m.parameters(recurse=False)) == [m.scale]


def test_reassigning_a_parameter_replaces_it():
    m = nn.Linear(2, 2)
    new = nn.Parameter(tg.zeros(2, 2))
    m.weight = new
    assert m.weight is new
    assert next(iter(m.parameters())) is new


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        m.weight = tg.zeros(2, 2)


def test_assigning_none_to_a_parameter_removes_it_from_the_list():
    m = nn.Linear(2, 2)
    m.bias = None
    assert m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert list(m.state_dict()) == ["weight"]


def test_assignment_before_init_raises():
    class Forgetful(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="__init__"):
        Forgetful()


def test_register_buffer_and_assignment_to_it():
    m = nn.Module()
    m.register_buffer("stat", tg.zeros(3))
    m.stat = tg.ones(3)
    assert next(iter(m.buffers())) is m.stat
    with pytest.raises(TypeError, match="buffer"):
        m.stat = 3.0
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("other", [1, 2])
    with pytest.raises(KeyError):
        m.register_buffer("a.b", tg.zeros(1))


def test_non_persistent_buffer_is_not_in_the_state_dict():
    m = nn.Module()
    m.register_buffer("kept", tg.zeros(1))
    m.register_buffer("scratch", tg.zeros(1), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]


def test_register_parameter_rejects_plain_tensors():
    m = nn.Module()
    with pytest.raises(TypeError, match="Parameter"):
        m.register_parameter("w", tg.zeros(2))


def test_delattr_removes_registered_entries():
    m = TwoLayer()
    del m.fc2
    del m.scale
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias"]
    with pytest.raises(AttributeError, match="fc2"):
        _ = m.fc2


def test_missing_attribute_error_names_the_class():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        _ = nn.Linear(1, 1).nope


def test_get_submodule():
    m = nn.Sequential(nn.Sequential(nn.Linear(1, 2)))
    assert m.get_submodule("0.0") is m[0][0]
    assert m.get_submodule("") is m
    with pytest.raises(AttributeError):
        m.get_submodule("0.5")


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(tg.zeros(1))


def test_call_runs_forward_and_hooks():
    m = nn.Linear(2, 2)
    seen = []
    handle = m.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    pre = m.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    out = m(tg.ones(3, 2))
    assert seen == [(3, 2)]
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(m.bias.detach().numpy(), (3, 2)))
    handle.remove()
    pre.remove()
    m(tg.ones(1, 2))
    assert seen == [(3, 2)]


def test_dir_lists_registered_names():
    assert {"fc1", "scale", "offset"} <= set(dir(TwoLayer()))


# ---- modes, apply, gradients ---------------------------------------------------------------------------


def test_train_and_eval_propagate_to_every_submodule():
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.Dropout(0.5)))
    assert all(module.training for module in m.modules())
    assert m.eval() is m
    assert not any(module.training for module in m.modules())
    m.train()
    assert all(module.training for module in m.modules())
    m[1].train(False)
    assert m.training and not m[1].training and not m[1][0].training
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")


def test_apply_visits_children_first_then_self():
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    order = []
    assert m.apply(lambda module: order.append(type(module).__name__)) is m
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_apply_initialises_weights():
    m = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))

    def init(module):
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.5)
            nn.init.zeros_(module.bias)

    m.apply(init)
    for p in m.parameters():
        assert set(np.unique(p.detach().numpy())) <= {0.0, 0.5}


def test_zero_grad_sets_to_none_by_default():
    m = TwoLayer()
    m(tg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_zero_grad_to_zeros_keeps_the_gradient_tensor():
    m = TwoLayer()
    m(tg.randn(5, 3)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    m.zero_grad(set_to_none=False)
    for p, g in zip(m.parameters(), grads):
        assert p.grad is g
        assert not np.asarray(p.grad).any()


def test_gradients_accumulate_across_backward_calls():
    m = nn.Linear(2, 1)
    x = tg.randn(4, 2)
    m(x).sum().backward()
    first = np.asarray(m.weight.grad).copy()
    m(x).sum().backward()
    np.testing.assert_allclose(np.asarray(m.weight.grad), 2 * first, rtol=1e-6)


def test_requires_grad_freezes_parameters():
    m = TwoLayer()
    m.fc1.requires_grad_(False)
    m(tg.randn(2, 3)).sum().backward()
    assert m.fc1.weight.grad is None and m.fc2.weight.grad is not None


# ---- devices and dtypes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["cpu", "cuda"])
def test_to_device_moves_in_place_and_keeps_identity(device, target):
    m = TwoLayer()
    m(tg.randn(2, 3)).sum().backward()
    params = list(m.parameters())
    values = [np.asarray(p.detach()) for p in params]
    grads = [p.grad for p in params]
    assert m.to(target) is m
    assert list(m.parameters()) == params  # the same objects, so an optimizer keeps working
    for p, value, g in zip(m.parameters(), values, grads):
        assert p.device == target and p.grad is g and g.device == target
        np.testing.assert_array_equal(np.asarray(p.detach()), value)
    assert m.offset.device == target
    out = m(tg.randn(2, 3, device=target))
    assert out.device == target
    m.to(tg.device(device))  # back, with a device object
    assert all(p.device == device for p in m.parameters())


def test_to_dtype_casts_floating_tensors_only():
    m = nn.BatchNorm1d(3)
    m.double()
    assert m.weight.dtype == tg.float64 and m.running_mean.dtype == tg.float64
    assert m.num_batches_tracked.dtype == tg.int64
    m.to(dtype=tg.float32)
    assert m.weight.dtype == tg.float32
    with pytest.raises(TypeError, match="floating"):
        m.to(tg.int64)


def test_moved_parameters_train():
    m = nn.Linear(2, 1).to("cuda")
    x = tg.randn(8, 2, device="cuda")
    m(x).sum().backward()
    assert m.weight.grad.device == "cuda"


def test_deepcopy_gives_an_independent_model():
    import copy

    m = TwoLayer()
    twin = copy.deepcopy(m)
    assert twin.fc1.weight is not m.fc1.weight and isinstance(twin.fc1.weight, nn.Parameter)
    with tg.no_grad():
        twin.fc1.weight.fill_(0.0)
    assert np.asarray(m.fc1.weight.detach()).any()
    assert twin(tg.randn(2, 3)).shape == (2, 2)


# ---- repr --------------------------------------------------------------------------------------------


def test_repr_tree_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Linear(2, 8),
        nn.ReLU(),
        nn.Sequential(nn.Linear(8, 8, bias=False), nn.Tanh()),
        nn.BatchNorm1d(8),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(8, 1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(8, 8, bias=False), torch.nn.Tanh()),
        torch.nn.BatchNorm1d(8),
        torch.nn.Dropout(0.25),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 1),
    )
    assert repr(ours) == repr(theirs)


def test_repr_of_a_custom_module():
    assert repr(TwoLayer()) == (
        "TwoLayer(\n"
        "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
