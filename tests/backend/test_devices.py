"""The device API: ``device=``, ``.to`` / ``.cpu()`` / ``.cuda()``, the default device, factories,
seeding, gradients across devices, mixed-device errors and the message when CuPy is missing.

"cuda" is whatever the test session registered: CuPy on a real GPU, or the strict stand-in
(``tinygrad_edu/backend/strict.py``) without one. Every test runs twice (the default device is
"cpu" in one half and "cuda" in the other, see ``tests/conftest.py``); the tests below are written
relative to that default (``OTHER[device]`` is the device that is not the default), so both
halves check something different: in one the leaf is on the CPU and the ops on "cuda", in the
other the other way round.
"""

import contextlib
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend

DEVICES = ("cpu", "cuda")
OTHER = {"cpu": "cuda", "cuda": "cpu"}
INSTALL_HINT = 'pip install ".[gpu]"'


@pytest.fixture(autouse=True)
def _restore_default_device():
    """Every test leaves the default device as it found it (the session fixture owns it)."""
    previous = tg.get_default_device()
    yield
    tg.set_default_device(previous)


@contextlib.contextmanager
def default_device(dev):
    """``tg.set_default_device(dev)`` for the duration of a ``with`` block."""
    previous = tg.get_default_device()
    tg.set_default_device(dev)
    try:
        yield
    finally:
        tg.set_default_device(previous)


@contextlib.contextmanager
def cuda_unavailable():
    """The "cuda" device as on a machine without CuPy: the registered backend (the stand-in or the
    real one) is taken away and ``import cupy`` fails; both are put back afterwards."""
    saved_modules = {name: sys.modules.get(name, ...) for name in ("cupy", "cupyx")}
    previous = backend.register_backend("cuda", None)
    try:
        for name in saved_modules:
            sys.modules[name] = None  # makes ``import cupy`` raise ImportError
        yield
    finally:
        for name, module in saved_modules.items():
            if module is ...:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        backend.register_backend("cuda", previous)


def host(t):
    """The values of ``t`` as a NumPy array (through the public API)."""
    return t.detach().numpy()


def array_type(dev):
    """The array class that holds the data of tensors on ``dev``."""
    return backend.get_backend(dev).ndarray


def assert_on(t, dev):
    assert t.device == dev
    assert isinstance(t.device, tg.device)
    assert type(t.data) is array_type(dev)


# ---- placing tensors --------------------------------------------------------------------------------


@pytest.mark.parametrize("dev", ["cpu", "cuda", "cuda:0", tg.device("cpu"), tg.device("cuda")])
def test_device_argument_places_the_tensor(dev):
    t = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], device=dev)
    assert_on(t, str(tg.device(dev)))
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert t.dtype == tg.float32
    assert tg.tensor([1, 2], device=dev, dtype=tg.float64).dtype == tg.float64


def test_host_data_goes_to_the_default_device(device):
    assert_on(tg.tensor([1.0, 2.0]), device)
    assert_on(tg.tensor(3), device)
    t = tg.tensor(np.arange(3, dtype=np.float64))
    assert_on(t, device)
    assert t.dtype == tg.float64 and t.tolist() == [0.0, 1.0, 2.0]


def test_from_numpy_stays_on_the_cpu(device):
    assert_on(tg.from_numpy(np.ones(2)), "cpu")


@pytest.mark.parametrize("dev", DEVICES)
def test_a_device_array_or_tensor_keeps_its_device(device, dev):
    source = tg.tensor([1.0, 2.0], device=dev)
    assert_on(tg.tensor(source), dev if dev != "cpu" else device)  # host data follows the default
    if dev == "cuda":
        assert_on(tg.Tensor(source.data), "cuda")  # a device array never moves by itself


@pytest.mark.parametrize("dev", DEVICES)
def test_tensor_of_a_tensor_with_a_device_copies(device, dev):
    source = tg.tensor([1.0, 2.0], device=OTHER[dev])
    copy = tg.tensor(source, device=dev)
    assert_on(copy, dev)
    with tg.no_grad():
        copy += 1
    assert source.tolist() == [1.0, 2.0] and copy.tolist() == [2.0, 3.0]


# ---- moving tensors ---------------------------------------------------------------------------------


def test_to_moves_between_devices_keeping_values_and_dtype(device):
    values = [[1.5, -2.0], [3.25, 4.0]]
    t = tg.tensor(values, dtype=tg.float64)
    moved = t.to(OTHER[device])
    assert_on(moved, OTHER[device])
    assert moved.dtype == tg.float64 and moved.tolist() == values
    back = moved.to(device)
    assert_on(back, device)
    assert back.tolist() == values
    assert_on(t.to(tg.device(OTHER[device])), OTHER[device])
    assert_on(t.cpu(), "cpu")
    assert_on(t.cuda(), "cuda")


def test_to_returns_the_same_tensor_when_nothing_changes(device):
    t = tg.tensor([1.0, 2.0])
    assert t.to(device) is t
    assert t.to(tg.device(device)) is t
    assert (t.cpu() if device == "cpu" else t.cuda()) is t


def test_a_moved_tensor_is_a_copy(device):
    t = tg.tensor([1.0, 2.0])
    moved = t.to(OTHER[device])
    with tg.no_grad():
        moved.mul_(10)
    assert t.tolist() == [1.0, 2.0]
    assert moved.tolist() == [10.0, 20.0]


def test_to_device_and_dtype_together(device):
    t = tg.tensor([1, 2])
    both = t.to(OTHER[device], tg.float64)
    assert_on(both, OTHER[device])
    assert both.dtype == tg.float64 and both.tolist() == [1.0, 2.0]
    keywords = t.to(device=OTHER[device], dtype=tg.float32)
    assert_on(keywords, OTHER[device])
    assert keywords.dtype == tg.float32
    like = t.to(tg.zeros(1, dtype=tg.float64, device=OTHER[device]))  # another tensor's device and dtype
    assert_on(like, OTHER[device])
    assert like.dtype == tg.float64


@pytest.mark.parametrize("dev", DEVICES)
def test_numpy_returns_a_host_array(device, dev):
    t = tg.tensor([[1.0, 2.0], [3.0, 4.0]], device=dev)
    array = t.numpy()
    assert type(array) is np.ndarray
    np.testing.assert_array_equal(array, [[1.0, 2.0], [3.0, 4.0]])
    assert array.dtype == np.float32
    array[0, 0] = 100.0
    if dev == "cuda":
        assert t.tolist()[0][0] == 1.0  # a host copy: the device data is untouched
    else:
        assert t.tolist()[0][0] == 100.0  # on the CPU numpy() shares memory, as in PyTorch


@pytest.mark.parametrize("dev", DEVICES)
def test_numpy_of_a_tensor_that_requires_grad_raises(device, dev):
    t = tg.tensor([1.0], device=dev, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert type(t.detach().numpy()) is np.ndarray


@pytest.mark.parametrize("dev", DEVICES)
def test_item_tolist_and_repr_on_each_device(device, dev):
    t = tg.tensor([[0.5, 1.5]], device=dev)
    assert t.sum().item() == 2.0 and isinstance(t.sum().item(), float)
    assert t.tolist() == [[0.5, 1.5]]
    assert f"device='{dev}'" in repr(t)
    assert "0.5" in repr(t) and "1.5" in repr(t)


# ---- the default device ------------------------------------------------------------------------------


def test_get_default_device_names_the_session_default(device):
    assert tg.get_default_device() == device
    assert isinstance(tg.get_default_device(), tg.device)


@pytest.mark.parametrize("dev", ["cpu", "cuda", tg.device("cuda"), "cuda:0"])
def test_set_default_device_moves_new_tensors(device, dev):
    name = str(tg.device(dev))
    with default_device(dev):
        assert tg.get_default_device() == name
        assert_on(tg.tensor([1.0]), name)
        assert_on(tg.zeros(2), name)
        assert_on(tg.randn(2), name)
        assert_on(tg.arange(3), name)
        assert_on(tg.from_numpy(np.zeros(2)), "cpu")
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        assert_on(x.grad, name)
    assert tg.get_default_device() == device


def test_set_default_device_rejects_an_unknown_device(device):
    with pytest.raises(RuntimeError, match="tpu"):
        tg.set_default_device("tpu")
    assert tg.get_default_device() == device


def test_cuda_and_accelerator_queries(device):
    assert tg.cuda.is_available() is True
    assert tg.accelerator.is_available() is True
    current = tg.accelerator.current_accelerator()
    assert current == "cuda" and isinstance(current, tg.device) and current.type == "cuda"


# ---- factories ----------------------------------------------------------------------------------------

FACTORIES = {
    "zeros": (lambda **kw: tg.zeros(2, 3, **kw), (2, 3), tg.float32),
    "zeros tuple": (lambda **kw: tg.zeros((2, 3), **kw), (2, 3), tg.float32),
    "ones": (lambda **kw: tg.ones(4, **kw), (4,), tg.float32),
    "full": (lambda **kw: tg.full((2, 2), 1.5, **kw), (2, 2), tg.float32),
    "full int": (lambda **kw: tg.full((3,), 7, **kw), (3,), tg.int64),
    "empty": (lambda **kw: tg.empty(2, **kw), (2,), tg.float32),
    "eye": (lambda **kw: tg.eye(3, **kw), (3, 3), tg.float32),
    "eye n m": (lambda **kw: tg.eye(2, 4, **kw), (2, 4), tg.float32),
    "arange": (lambda **kw: tg.arange(5, **kw), (5,), tg.int64),
    "arange float": (lambda **kw: tg.arange(0, 1, 0.25, **kw), (4,), tg.float32),
    "linspace": (lambda **kw: tg.linspace(0, 1, 5, **kw), (5,), tg.float32),
    "rand": (lambda **kw: tg.rand(2, 3, **kw), (2, 3), tg.float32),
    "randn": (lambda **kw: tg.randn(3, 2, **kw), (3, 2), tg.float32),
    "randn float64": (lambda **kw: tg.randn(3, dtype=tg.float64, **kw), (3,), tg.float64),
    "randint": (lambda **kw: tg.randint(0, 10, (6,), **kw), (6,), tg.int64),
    "randint high": (lambda **kw: tg.randint(3, (2, 2), **kw), (2, 2), tg.int64),
}
DETERMINISTIC = ["zeros", "zeros tuple", "ones", "full", "full int", "empty", "eye", "eye n m", "arange"]
DETERMINISTIC += ["arange float", "linspace"]


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories_take_a_device(device, name):
    factory, shape, dtype = FACTORIES[name]
    made = {}
    for dev in (*DEVICES, tg.device("cuda")):
        t = factory(device=dev)
        assert_on(t, str(dev))
        assert t.shape == shape and t.dtype == dtype
        made[str(dev)] = t
    default = factory()
    assert_on(default, device)
    if name in DETERMINISTIC:
        assert made["cpu"].tolist() == made["cuda"].tolist() == default.tolist()


def test_random_factories_have_the_right_ranges_on_each_device(device):
    for dev in DEVICES:
        u = host(tg.rand(1000, device=dev))
        assert (u >= 0).all() and (u < 1).all() and 0.4 < u.mean() < 0.6
        n = host(tg.randn(1000, device=dev))
        assert abs(n.mean()) < 0.2 and 0.8 < n.std() < 1.2
        k = host(tg.randint(2, 5, (1000,), device=dev))
        assert k.min() >= 2 and k.max() <= 4 and set(k.tolist()) == {2, 3, 4}


def test_factories_with_requires_grad_on_each_device(device):
    for dev in DEVICES:
        w = tg.randn(3, device=dev, requires_grad=True)
        assert w.requires_grad and w.is_leaf
        assert_on(w, dev)
        (w * 2).sum().backward()
        assert_on(w.grad, dev)
        assert w.grad.tolist() == [2.0, 2.0, 2.0]


LIKE_FACTORIES = {
    "zeros_like": lambda t, **kw: tg.zeros_like(t, **kw),
    "ones_like": lambda t, **kw: tg.ones_like(t, **kw),
    "full_like": lambda t, **kw: tg.full_like(t, 2.5, **kw),
    "empty_like": lambda t, **kw: tg.empty_like(t, **kw),
    "rand_like": lambda t, **kw: tg.rand_like(t, **kw),
    "randn_like": lambda t, **kw: tg.randn_like(t, **kw),
}


@pytest.mark.parametrize("name", list(LIKE_FACTORIES))
@pytest.mark.parametrize("dev", DEVICES)
def test_like_factories_follow_their_input_unless_told(device, dev, name):
    factory = LIKE_FACTORIES[name]
    source = tg.zeros(2, 3, dtype=tg.float64, device=dev)
    same = factory(source)
    assert_on(same, dev)
    assert same.shape == (2, 3) and same.dtype == tg.float64
    moved = factory(source, device=OTHER[dev])
    assert_on(moved, OTHER[dev])
    assert moved.shape == (2, 3) and moved.dtype == tg.float64


# ---- seeding ------------------------------------------------------------------------------------------

RANDOM = {
    "rand": lambda dev: tg.rand(2, 3, device=dev),
    "randn": lambda dev: tg.randn(5, device=dev),
    "randint": lambda dev: tg.randint(0, 1000, (5,), device=dev),
    "randn_like": lambda dev: tg.randn_like(tg.zeros(4, device=dev)),
}


@pytest.mark.parametrize("name", list(RANDOM))
@pytest.mark.parametrize("dev", DEVICES)
def test_manual_seed_makes_random_factories_reproducible(device, dev, name):
    draw = RANDOM[name]
    tg.manual_seed(1234)
    first, second = host(draw(dev)), host(draw(dev))
    tg.manual_seed(1234)
    again_first, again_second = host(draw(dev)), host(draw(dev))
    np.testing.assert_array_equal(first, again_first)
    np.testing.assert_array_equal(second, again_second)
    assert not np.array_equal(first, second)  # the stream moves on between draws
    tg.manual_seed(4321)
    assert not np.array_equal(first, host(draw(dev)))  # another seed, other numbers


def test_manual_seed_seeds_every_device_independently(device):
    """Each device has a stream of its own (as PyTorch's CPU and CUDA generators): drawing on one
    device does not change what the other draws next."""
    tg.manual_seed(7)
    cpu_alone = host(tg.randn(4, device="cpu"))
    cuda_alone = host(tg.randn(4, device="cuda"))
    tg.manual_seed(7)
    cuda_first = host(tg.randn(4, device="cuda"))
    tg.randn(10, device=device)  # an extra draw on the default device...
    tg.manual_seed(7)
    cpu_after = host(tg.randn(4, device="cpu"))
    np.testing.assert_array_equal(cuda_alone, cuda_first)
    np.testing.assert_array_equal(cpu_alone, cpu_after)


def test_manual_seed_also_seeds_a_backend_loaded_after_it(device, monkeypatch):
    """``tg.manual_seed(0)`` at the top of a script, before "cuda" was ever used (CuPy is imported
    on first use), must still make ``tg.randn(..., device="cuda")`` reproducible. Simulated here by
    unloading "cuda" and loading it again (from the stand-in) on first use after the seed."""
    monkeypatch.setitem(backend._LOADERS, "cuda", lambda: backend.strict_backend("cuda"))
    previous = backend.register_backend("cuda", None)
    try:
        draws = []
        for _ in range(2):
            backend.register_backend("cuda", None)  # as in a fresh process: "cuda" not loaded yet
            tg.manual_seed(0)
            draws.append(host(tg.randn(5, device="cuda")))
        np.testing.assert_array_equal(draws[0], draws[1])
    finally:
        backend.register_backend("cuda", previous)


# ---- gradients across devices --------------------------------------------------------------------------


@pytest.mark.parametrize(("leaf_device", "op_device"), [("cpu", "cuda"), ("cuda", "cpu")])
def test_gradient_flows_back_across_a_device_move(device, leaf_device, op_device):
    x = tg.tensor([1.0, -2.0, 3.0], device=leaf_device, requires_grad=True)
    y = x.to(op_device)
    assert_on(y, op_device)
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    loss = (y * y * 3.0).sum()  # d/dx = 6x
    assert_on(loss, op_device)
    loss.backward()
    assert_on(x.grad, leaf_device)
    assert x.grad.dtype == tg.float32
    np.testing.assert_allclose(host(x.grad), [6.0, -12.0, 18.0])


def test_cpu_leaf_cuda_ops_cpu_grad(device):
    """The issue's case: a leaf on the CPU, the work on the GPU, the gradient back on the CPU."""
    rng = np.random.default_rng(0)
    w_host = rng.standard_normal((4, 3))
    x_host = rng.standard_normal((5, 4))
    w = tg.tensor(w_host, requires_grad=True, device="cpu")
    x = tg.tensor(x_host, device="cuda")
    loss = (x @ w.cuda()).relu().sum()
    loss.backward()
    assert_on(w.grad, "cpu")
    expected = x_host.T @ (x_host @ w_host > 0).astype(np.float64)
    np.testing.assert_allclose(host(w.grad), expected, rtol=1e-12)


def test_gradients_from_both_devices_add_up(device):
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    loss = x.sum() + (x.to(OTHER[device]) ** 2).sum().to(device)  # 1 + 2x
    loss.backward()
    assert_on(x.grad, device)
    np.testing.assert_allclose(host(x.grad), [3.0, 5.0])


def test_gradient_through_a_move_with_a_dtype_change(device):
    x = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = x.to(OTHER[device], tg.float64)
    (y**3).sum().backward()
    assert_on(x.grad, device)
    assert x.grad.dtype == tg.float32
    np.testing.assert_allclose(host(x.grad), [3.0, 12.0])


def test_autograd_grad_across_devices(device):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad((x.to(OTHER[device]).sin()).sum(), x)
    assert_on(g, device)
    np.testing.assert_allclose(host(g), np.cos([1.0, 2.0]), rtol=1e-6)
    assert x.grad is None


def test_gradcheck_through_device_moves(device):
    other = OTHER[device]
    x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    w = tg.randn(3, dtype=tg.float64, device=other, requires_grad=True)
    assert tg.gradcheck(lambda x, w: (x.to(other).sin() * w).to(device), (x, w))
    assert tg.gradcheck(lambda x: (x.to(other) ** 2).sum().to(device), (x,))


def test_gradgradcheck_through_device_moves(device):
    other = OTHER[device]
    x = tg.randn(3, dtype=tg.float64, requires_grad=True)
    assert tg.gradgradcheck(lambda x: (x.to(other).sin() * x.to(other)).to(device), (x,))


def test_second_derivative_across_devices(device):
    x = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    y = (x.to(OTHER[device]) ** 3).sum()
    (g,) = tg.autograd.grad(y, x, create_graph=True)  # 3x²
    assert_on(g, device)
    g.sum().backward()  # d/dx Σ 3x² = 6x
    np.testing.assert_allclose(host(x.grad), [3.0, -6.0])


@pytest.mark.parametrize("dev", DEVICES)
def test_sgd_step_stays_on_the_device(device, dev):
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], device=dev, requires_grad=True)
    x = tg.tensor([[1.0, 1.0]], device=dev)
    loss = (x @ w).sum()
    loss.backward()
    with tg.no_grad():
        w -= 0.5 * w.grad
    w.grad = None
    assert_on(w, dev)
    assert w.is_leaf and w.requires_grad and w.grad is None
    assert w.tolist() == [[0.5, 1.5], [2.5, 3.5]]


# ---- mixing devices in one op ----------------------------------------------------------------------------


def _setitem(a, b):
    a[0:2] = b


MIXED = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: b + a,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": lambda a, b: tg.maximum(a, b),
    "matmul": lambda a, b: a.reshape(1, 2) @ b.reshape(2, 1),
    "tg.matmul": lambda a, b: tg.matmul(a, b),
    "cat": lambda a, b: tg.cat([a, b]),
    "stack": lambda a, b: tg.stack([a, b]),
    "where branches": lambda a, b: tg.where(a > 0, a, b),
    "where condition": lambda a, b: tg.where(b > 0, a, a),
    "comparison": lambda a, b: a < b,
    "add_": lambda a, b: a.add_(b),
    "mul_": lambda a, b: a.mul_(b),
    "+= operator": lambda a, b: a.__iadd__(b),
    "setitem": _setitem,
}
MIXED["gather, index on the other device"] = lambda a, b: a.gather(0, (b * 0).long())
MIXED["gather, input on the other device"] = lambda a, b: b.gather(0, (a * 0).long())


@pytest.mark.parametrize(
    "name",
    list(MIXED),
)
def test_mixing_devices_raises_naming_both(device, name):
    op = MIXED[name]
    a = tg.tensor([1.0, 2.0])
    b = tg.tensor([1.0, 1.0], device=OTHER[device])
    with pytest.raises(RuntimeError) as raised:
        op(a, b)
    message = str(raised.value)
    assert "cpu" in message and "cuda" in message, message
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [1.0, 1.0]  # nothing was changed


def test_indexing_a_cpu_tensor_with_cuda_indices_raises_naming_both(device):
    """PyTorch allows indices on the CPU for a tensor on the GPU, not the other way round."""
    with pytest.raises(RuntimeError) as raised:
        tg.tensor([1.0, 2.0], device="cpu")[tg.tensor([0, 1], device="cuda")]
    assert "cpu" in str(raised.value) and "cuda" in str(raised.value)


def test_mixing_devices_in_a_graph_raises_at_the_op_not_at_backward(device):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], device=OTHER[device], requires_grad=True)
    with pytest.raises(RuntimeError, match="device"):
        (x * w).sum()
    (x * w.to(device)).sum().backward()  # the move makes it legal; each leaf's grad on its device
    assert_on(x.grad, device)
    assert_on(w.grad, OTHER[device])
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]


# ---- no CuPy -----------------------------------------------------------------------------------------------


def test_missing_cupy_gives_an_install_hint(device):
    hint = re.escape(INSTALL_HINT)
    cpu_tensor = tg.tensor([1.0], device="cpu")
    with cuda_unavailable():
        for make in (
            lambda: tg.zeros(2, device="cuda"),
            lambda: tg.tensor([1.0], device="cuda"),
            lambda: tg.randn(2, device=tg.device("cuda")),
            lambda: cpu_tensor.cuda(),
            lambda: cpu_tensor.to("cuda"),
        ):
            with pytest.raises(RuntimeError, match=hint):
                make()
        assert tg.cuda.is_available() is False
        assert tg.accelerator.is_available() is False
        assert tg.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match=hint):
            tg.set_default_device("cuda")
        assert tg.get_default_device() == device  # unchanged by the failed call
        assert_on(tg.zeros(2, device="cpu"), "cpu")  # the CPU does not need CuPy
        if device == "cuda":  # the default device is "cuda" but CuPy is gone: new tensors say so
            with pytest.raises(RuntimeError, match=hint):
                tg.zeros(2)
        else:
            assert_on(tg.zeros(2), "cpu")
    assert tg.cuda.is_available() is True  # the registered "cuda" backend is back
    assert_on(tg.zeros(2, device="cuda"), "cuda")
