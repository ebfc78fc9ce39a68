"""Tensor basics: construction, dtypes, factories, conversion, repr, devices, comparisons, promotion."""

import numpy as np
import pytest

import tinygrad_edu as tg

# ---- construction and default dtypes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype, shape",
    [
        (1.5, tg.float32, ()),
        (3, tg.int64, ()),
        (True, tg.bool, ()),
        ([1.0, 2.0], tg.float32, (2,)),
        ([1, 2.5], tg.float32, (2,)),
        ([[1, 2], [3, 4]], tg.int64, (2, 2)),
        ([[True], [False]], tg.bool, (2, 1)),
        ([], tg.float32, (0,)),
        (np.zeros(3), tg.float64, (3,)),  # a float64 array keeps float64
        (np.zeros(3, dtype=np.float32), tg.float32, (3,)),
        (np.arange(4), tg.int64, (4,)),
        (np.arange(4, dtype=np.int32), tg.int32, (4,)),
        (np.array([True, False]), tg.bool, (2,)),
    ],
)
def test_construction_default_dtypes(data, dtype, shape):
    for make in (tg.Tensor, tg.tensor):
        t = make(data)
        assert t.dtype == dtype, (data, t.dtype)
        assert t.shape == shape and isinstance(t.shape, tuple)
        assert not t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


def test_construction_copies_its_data():
    array = np.array([1.0, 2.0])
    t = tg.tensor(array)
    array[0] = 100
    assert t.tolist() == [1.0, 2.0]
    source = tg.tensor([1.0, 2.0], requires_grad=True)
    copy = tg.tensor(source)
    assert copy.data is not source.data and not copy.requires_grad
    assert copy.tolist() == [1.0, 2.0]


def test_construction_from_a_list_of_tensors():
    t = tg.tensor([tg.tensor(1.0), tg.tensor(2.0)])
    assert t.shape == (2,) and t.dtype == tg.float32
    assert t.tolist() == [1.0, 2.0]


def test_construction_with_dtype_requires_grad_and_device():
    t = tg.tensor([1, 2], dtype=tg.float64, requires_grad=True, device="cpu")
    assert t.dtype == tg.float64 and t.requires_grad and t.device == "cpu"
    assert tg.tensor([1.7], dtype=np.int32).dtype == tg.int32
    assert tg.tensor([1.0], dtype="float64").dtype == tg.float64
    assert tg.Tensor([1.0], requires_grad=True).requires_grad


def test_dtype_objects_and_aliases():
    assert tg.float == tg.float32 == np.float32
    assert tg.double == tg.float64
    assert tg.long == tg.int64
    assert tg.int32 == np.int32
    assert tg.bool == np.bool_


# ---- factories -------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [tg.zeros, tg.ones, tg.empty, tg.rand, tg.randn])
def test_factories_take_shape_as_ints_or_a_tuple(factory):
    for shape_args in [(2, 3), ((2, 3),), ([2, 3],)]:
        t = factory(*shape_args)
        assert t.shape == (2, 3) and t.dtype == tg.float32 and not t.requires_grad
    t = factory(4, dtype=tg.float64, requires_grad=True)
    assert t.shape == (4,) and t.dtype == tg.float64 and t.requires_grad and t.is_leaf
    assert factory(3, device="cpu").device == "cpu"
    assert factory().shape == ()


def test_factory_values():
    assert tg.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tg.ones(3, dtype=tg.int64).tolist() == [1, 1, 1]
    assert tg.full((2,), 7).tolist() == [7, 7] and tg.full((2,), 7).dtype == tg.int64
    assert tg.full((2, 1), 0.5).dtype == tg.float32
    assert tg.full((2,), 3, dtype=tg.float64).dtype == tg.float64
    np.testing.assert_array_equal(tg.eye(3).numpy(), np.eye(3))
    assert tg.eye(2, 3).shape == (2, 3)
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == tg.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tg.arange(0.0, 1.0, 0.25).dtype == tg.float32
    assert tg.arange(3, dtype=tg.float64).dtype == tg.float64
    np.testing.assert_allclose(tg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert tg.linspace(0, 1, 5).dtype == tg.float32


def test_like_factories_follow_their_input(device):
    base = tg.ones(2, 3, dtype=tg.float64)
    for t in (tg.zeros_like(base), tg.ones_like(base), tg.full_like(base, 4.0), tg.randn_like(base)):
        assert t.shape == (2, 3) and t.dtype == tg.float64 and t.device == device
    assert tg.zeros_like(base, dtype=tg.float32).dtype == tg.float32
    assert tg.ones_like(base, requires_grad=True).requires_grad
    assert tg.full_like(base, 4.0).tolist() == [[4.0] * 3] * 2


def test_random_factories_ranges():
    tg.manual_seed(1)
    r = tg.rand(1000).numpy()
    assert r.min() >= 0 and r.max() < 1 and 0.4 < r.mean() < 0.6
    n = tg.randn(2000).numpy()
    assert abs(n.mean()) < 0.1 and 0.9 < n.std() < 1.1
    i = tg.randint(3, 10, (1000,))
    assert i.dtype == tg.int64 and int(i.min()) == 3 and int(i.max()) == 9
    assert tg.randint(5, (4,)).shape == (4,)


def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return [tg.rand(3).numpy(), tg.randn(2, 2).numpy(), tg.randint(0, 100, (5,)).numpy()]

    tg.manual_seed(1234)
    first = draw()
    tg.manual_seed(1234)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(4321)
    third = draw()
    assert not np.array_equal(first[1], third[1])


def test_from_numpy_shares_memory():
    array = np.array([1.0, 2.0, 3.0])
    t = tg.from_numpy(array)
    assert t.dtype == tg.float64
    array[0] = 10
    assert t.tolist()[0] == 10
    t.data[1] = 20
    assert array[1] == 20
    assert np.shares_memory(t.numpy(), array)
    assert tg.from_numpy(np.arange(3, dtype=np.int32)).dtype == tg.int32


# ---- attributes and conversion ------------------------------------------------------------------------


def test_attributes(device):
    t = tg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and len(t) == 2
    assert t.T.shape == (4, 3, 2)
    assert isinstance(t.data, t._backend().ndarray)
    assert t.device == device


@pytest.mark.cpu_only
def test_numpy_shares_memory_on_the_cpu_and_refuses_tensors_that_require_grad():
    t = tg.tensor([1.0, 2.0])
    array = t.numpy()
    assert isinstance(array, np.ndarray)
    array[0] = 5
    assert t.tolist() == [5.0, 2.0]
    with pytest.raises(RuntimeError, match="detach"):
        tg.tensor([1.0], requires_grad=True).numpy()


@pytest.mark.parametrize(
    "data, value, kind",
    [(3.5, 3.5, float), ([2.5], 2.5, float), ([[[7]]], 7, int), (True, True, bool), ([[False]], False, bool)],
)
def test_item_on_any_one_element_tensor(data, value, kind):
    item = tg.tensor(data).item()
    assert item == value and type(item) is kind


def test_item_works_on_a_tensor_that_requires_grad():
    x = tg.tensor([2.0], requires_grad=True)
    assert (x * 3).item() == 6.0


def test_tolist():
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tg.tensor(5).tolist() == 5
    assert tg.tensor([0.5]).tolist() == [0.5]


def test_to_dtype_and_the_short_forms(device):
    t = tg.tensor([1.7, -2.2])
    assert t.to(tg.float64).dtype == tg.float64
    assert t.to(dtype=tg.int32).tolist() == [1, -2]
    assert t.to(device) is t
    assert t.to(tg.device(device), tg.float64).dtype == tg.float64
    assert t.double().dtype == tg.float64
    assert t.long().dtype == tg.int64 and t.long().tolist() == [1, -2]
    assert tg.tensor([1, 2]).float().dtype == tg.float32
    assert t.cpu().device == "cpu"
    assert t.to(tg.float32) is t  # nothing to do


def test_casts_are_differentiable():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == tg.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert not x.long().requires_grad


def test_detach_shares_data_and_leaves_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.data is y.data
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.data[0] = 100
    assert y.detach().tolist()[0] == 100


def test_clone_copies_and_is_differentiable():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    c.data[0] = 100
    assert x.tolist() == [1.0, 2.0]
    assert c.requires_grad and c.grad_fn is not None
    (c * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    plain = tg.tensor([1.0]).clone()
    assert not plain.requires_grad


def test_requires_grad_flag():
    t = tg.tensor([1.0])
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (t * 2).requires_grad_(False)


# ---- repr and devices ------------------------------------------------------------------------------


def test_repr_shows_values_shape_dtype_device_and_grad_fn(device):
    x = tg.tensor([1.5, 2.0], requires_grad=True)
    text = repr(x * 2)
    assert text.startswith("tensor([3., 4.]")
    assert "shape=(2,)" in text and "float32" in text and f"device='{device}'" in text
    assert "grad_fn=<MulBackward" in text
    assert "requires_grad=True" in repr(x)
    assert repr(tg.tensor(3)).startswith("tensor(3")
    assert "int64" in repr(tg.tensor(3))
    assert "grad_fn" not in repr(tg.tensor([1.0])) and "requires_grad" not in repr(tg.tensor([1.0]))
    assert str(x) == repr(x)


def test_repr_of_a_large_tensor_is_summarised():
    text = repr(tg.zeros(10_000))
    assert "..." in text and len(text) < 300


def test_device_compares_equal_to_its_name(device):
    assert tg.device("cpu") == "cpu"
    assert tg.device("cpu") == tg.device("cpu")
    assert tg.device("cpu").type == "cpu"
    assert tg.ones(2).device == tg.device(device) == device
    assert tg.ones(2, device=tg.device("cpu")).device == "cpu"
    assert tg.get_default_device() == device
    with pytest.raises(RuntimeError, match="tpu"):
        tg.device("tpu")


# ---- comparisons and logic ------------------------------------------------------------------------


def test_comparisons_return_bool_tensors_without_grad():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = tg.tensor([3.0, 2.0, 1.0])
    cases = {
        (x == y): [False, True, False],
        (x != y): [True, False, True],
        (x < y): [True, False, False],
        (x <= y): [True, True, False],
        (x > y): [False, False, True],
        (x >= y): [False, True, True],
        (x > 1.5): [False, True, True],
        (x == 2): [False, True, False],
        (2 < x): [False, False, True],  # noqa: SIM300  (the reflected form)
    }
    for result, expected in cases.items():
        assert result.dtype == tg.bool
        assert not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected
    assert (x.eq(y) | x.lt(y)).tolist() == (x <= y).tolist()


def test_bitwise_operators_on_bool_tensors():
    a = tg.tensor([True, True, False, False])
    b = tg.tensor([True, False, True, False])
    assert (a & b).tolist() == [True, False, False, False]
    assert (a | b).tolist() == [True, True, True, False]
    assert (~a).tolist() == [False, False, True, True]
    assert (a ^ b).tolist() == [False, True, True, False]
    for r in (a & b, a | b, ~a):
        assert r.dtype == tg.bool
    x = tg.tensor([-1.0, 0.5, 2.0])
    assert ((x > 0) & (x < 1)).tolist() == [False, True, False]
    with pytest.raises(TypeError):
        _ = ~x


def test_a_tensor_is_hashable_by_identity():
    a, b = tg.tensor([1.0]), tg.tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# ---- dtype promotion (PyTorch's rules) ----------------------------------------------------------------


PROMOTION_CASES = [
    ("int tensor * 2.5", lambda: tg.tensor([1, 2]) * 2.5, tg.float32),
    ("int tensor * 2", lambda: tg.tensor([1, 2]) * 2, tg.int64),
    ("int / int", lambda: tg.tensor([1, 2]) / tg.tensor([2, 2]), tg.float32),
    ("int / 2", lambda: tg.tensor([1, 2]) / 2, tg.float32),
    ("2 / int", lambda: 2 / tg.tensor([1, 2]), tg.float32),
    ("float32 + int64", lambda: tg.ones(2) + tg.tensor([1, 2]), tg.float32),
    ("int64 + float32", lambda: tg.tensor([1, 2]) + tg.ones(2), tg.float32),
    ("float64 + int64", lambda: tg.ones(2, dtype=tg.float64) + tg.tensor([1, 2]), tg.float64),
    ("float32 + float64", lambda: tg.ones(2) + tg.ones(2, dtype=tg.float64), tg.float64),
    ("float64 * 2.5", lambda: tg.ones(2, dtype=tg.float64) * 2.5, tg.float64),
    ("float32 * 2.5", lambda: tg.ones(2) * 2.5, tg.float32),
    ("int32 + int64", lambda: tg.tensor([1], dtype=tg.int32) + tg.tensor([1]), tg.int64),
    ("int32 + 5", lambda: tg.tensor([1], dtype=tg.int32) + 5, tg.int32),
    ("bool + int", lambda: tg.tensor([True]) + tg.tensor([1]), tg.int64),
    ("int ** 2.0", lambda: tg.tensor([1, 2]) ** 2.0, tg.float32),
    ("2 ** int", lambda: 2 ** tg.tensor([1, 2]), tg.int64),
    ("float32 - np.float64 scalar", lambda: tg.ones(2) - np.float64(0.5), tg.float32),
    ("float32 / np.sqrt(2)", lambda: tg.ones(2) / np.sqrt(2.0), tg.float32),
    ("int * np.float64 scalar", lambda: tg.tensor([1, 2]) * np.float64(1.5), tg.float32),
    ("float32 + 0-d float64", lambda: tg.ones(2) + tg.tensor(1.0, dtype=tg.float64), tg.float32),
    ("int64 + 0-d float32", lambda: tg.tensor([1, 2]) + tg.tensor(1.5), tg.float32),
    ("int32 + 0-d int64", lambda: tg.tensor([1], dtype=tg.int32) + tg.tensor(5), tg.int32),
    (
        "where(f32, 0-d f64)",
        lambda: tg.where(tg.tensor([True]), tg.ones(1), tg.tensor(0.0, dtype=tg.float64)),
        tg.float32,
    ),
    ("int.exp()", lambda: tg.tensor([1, 2]).exp(), tg.float32),
    ("maximum(int, float32)", lambda: tg.maximum(tg.tensor([1, 2]), tg.ones(2)), tg.float32),
]


@pytest.mark.parametrize("name, make, dtype", PROMOTION_CASES, ids=[c[0] for c in PROMOTION_CASES])
def test_dtype_promotion(name, make, dtype):
    assert make().dtype == dtype


def test_dtype_promotion_agrees_with_torch():
    torch = pytest.importorskip("torch")
    import_map = {
        tg.float32: torch.float32,
        tg.float64: torch.float64,
        tg.int64: torch.int64,
        tg.int32: torch.int32,
    }

    def torch_version(name):
        t = torch
        return {
            "int tensor * 2.5": lambda: t.tensor([1, 2]) * 2.5,
            "int / int": lambda: t.tensor([1, 2]) / t.tensor([2, 2]),
            "float32 + int64": lambda: t.ones(2) + t.tensor([1, 2]),
            "float32 + float64": lambda: t.ones(2) + t.ones(2, dtype=t.float64),
            "int32 + 5": lambda: t.tensor([1], dtype=t.int32) + 5,
            "float32 / np.sqrt(2)": lambda: t.ones(2) / np.sqrt(2.0),
            "float32 + 0-d float64": lambda: t.ones(2) + t.tensor(1.0, dtype=t.float64),
            "int32 + 0-d int64": lambda: t.tensor([1], dtype=t.int32) + t.tensor(5),
            "2 ** int": lambda: 2 ** t.tensor([1, 2]),
        }[name]

    for name, make, _dtype in PROMOTION_CASES:
        try:
            theirs = torch_version(name)
        except KeyError:
            continue
        assert import_map[make().dtype] == theirs().dtype, name


def test_promoted_operands_still_get_gradients_in_their_own_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    w = tg.tensor([3.0, 4.0], dtype=tg.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype == tg.float32 and w.grad.dtype == tg.float64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


# ---- top-level function forms --------------------------------------------------------------------


VALUES = [[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]]

# (name, the function form called on module m, the method form); x: VALUES, p: a positive tensor
FUNCTION_FORMS = [
    ("exp", lambda m, x, p: m.exp(x), lambda x, p: x.exp()),
    ("log", lambda m, x, p: m.log(p), lambda x, p: p.log()),
    ("sqrt", lambda m, x, p: m.sqrt(p), lambda x, p: p.sqrt()),
    ("sin", lambda m, x, p: m.sin(x), lambda x, p: x.sin()),
    ("cos", lambda m, x, p: m.cos(x), lambda x, p: x.cos()),
    ("tanh", lambda m, x, p: m.tanh(x), lambda x, p: x.tanh()),
    ("sigmoid", lambda m, x, p: m.sigmoid(x), lambda x, p: x.sigmoid()),
    ("relu", lambda m, x, p: m.relu(x), lambda x, p: x.relu()),
    ("abs", lambda m, x, p: m.abs(x), lambda x, p: x.abs()),
    ("clamp", lambda m, x, p: m.clamp(x, min=-1, max=1), lambda x, p: x.clamp(-1, 1)),
    ("sum", lambda m, x, p: m.sum(x, 1), lambda x, p: x.sum(1)),
    ("sum all", lambda m, x, p: m.sum(x), lambda x, p: x.sum()),
    ("mean", lambda m, x, p: m.mean(x, dim=0, keepdim=True), lambda x, p: x.mean(0, keepdim=True)),
    ("max", lambda m, x, p: m.max(x), lambda x, p: x.max()),
    ("max dim", lambda m, x, p: m.max(x, 1)[0], lambda x, p: x.max(1)[0]),
    ("max dim idx", lambda m, x, p: m.max(x, 1)[1], lambda x, p: x.max(1).indices),
    ("min dim", lambda m, x, p: m.min(x, dim=0).values, lambda x, p: x.min(0)[0]),
    ("argmax", lambda m, x, p: m.argmax(x, 1), lambda x, p: x.argmax(1)),
    ("softmax", lambda m, x, p: m.softmax(x, 1), lambda x, p: x.softmax(1)),
    ("log_softmax", lambda m, x, p: m.log_softmax(x, -1), lambda x, p: x.log_softmax(-1)),
    ("reshape", lambda m, x, p: m.reshape(x, (3, 2)), lambda x, p: x.reshape(3, 2)),
    ("flatten", lambda m, x, p: m.flatten(x), lambda x, p: x.flatten()),
    ("transpose", lambda m, x, p: m.transpose(x, 0, 1), lambda x, p: x.transpose(0, 1)),
    ("var", lambda m, x, p: m.var(x, 1), lambda x, p: x.var(1)),
    ("matmul", lambda m, x, p: m.matmul(x, x.T), lambda x, p: x @ x.T),
    ("maximum", lambda m, x, p: m.maximum(x, p - 1), lambda x, p: x.maximum(p - 1)),
]


def _inputs(module):
    x = module.tensor(VALUES)
    return x, x.abs() + 0.5


@pytest.mark.parametrize("name, function, method", FUNCTION_FORMS, ids=[c[0] for c in FUNCTION_FORMS])
def test_top_level_functions_agree_with_methods(name, function, method):
    got, expected = function(tg, *_inputs(tg)), method(*_inputs(tg))
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("name, function, method", FUNCTION_FORMS, ids=[c[0] for c in FUNCTION_FORMS])
def test_top_level_functions_agree_with_torch(name, function, method):
    torch = pytest.importorskip("torch")
    ours, theirs = function(tg, *_inputs(tg)), function(torch, *_inputs(torch))
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_top_level_functions_are_the_methods_and_refuse_plain_data_as_pytorch():
    assert tg.exp is tg.Tensor.exp and tg.sum is tg.Tensor.sum
    for function, name in ((tg.exp, "exp"), (tg.relu, "Relu"), (tg.sin, "sin"), (tg.neg, "Neg")):
        with pytest.raises(TypeError, match=f"{name}.*list"):
            function([0.0, 1.0])
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    tg.sum(tg.sin(x) * x).backward()
    np.testing.assert_allclose(
        x.grad.numpy(), np.sin([0.5, 1.0]) + np.array([0.5, 1.0]) * np.cos([0.5, 1.0]), rtol=1e-6
    )
