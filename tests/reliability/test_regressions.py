"""One regression test per defect of issue 14 (the hostile checkpoint files and the killed saves have
their own files: test_hostile_checkpoints.py, test_kill_mid_save.py)."""

import re
import threading
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

# ---- 1. a failed load_state_dict leaves the model and the optimizer unchanged ---------------------------


def mlp():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


@pytest.mark.parametrize(
    "bad",
    [np.array([["a", "b", "c"]]), np.array([[object(), 1, 2]], dtype=object), np.array([[1, 2, 3]], "M8[D]")],
    ids=["strings", "objects", "dates"],
)
def test_a_bad_value_under_a_later_key_changes_nothing(bad):
    model = mlp()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    state = {k: np.full_like(v, 7.0) for k, v in before.items()}
    state["2.weight"] = bad  # the right shape, the wrong kind, after 0.weight and 0.bias
    with pytest.raises(RuntimeError, match=r"2\.weight"):
        model.load_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=f"{key} was overwritten")


def test_a_good_state_dict_still_loads_with_conversion():
    model = mlp()
    state = {k: np.full(v.shape, 2, np.float64) for k, v in model.state_dict().items()}  # float64 → float32
    model.load_state_dict(state)
    for value in model.state_dict().values():
        assert value.dtype == np.float32 and (value == 2).all()


def test_sgd_state_into_adam_is_refused_at_load_time():
    model = mlp()
    sgd = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(tg.randn(4, 2)).sum().backward()
    sgd.step()
    adam = tg.optim.Adam(model.parameters())
    saved = adam.state_dict()
    with pytest.raises(ValueError, match=r"Adam\.load_state_dict.*lacks.*step"):
        adam.load_state_dict(sgd.state_dict())
    assert adam.state_dict()["state"] == saved["state"]  # unchanged
    adam.step()  # and still usable


def test_adam_state_round_trips():
    model = mlp()
    adam = tg.optim.Adam(model.parameters(), amsgrad=True)
    model(tg.randn(4, 2)).sum().backward()
    adam.step()
    other = tg.optim.Adam(model.parameters(), amsgrad=True)
    other.load_state_dict(adam.state_dict())
    other.step()


# ---- 5. one no_grad() object shared by threads ---------------------------------------------------------


SHARED = tg.no_grad()


@SHARED
def decorated():
    return tg.is_grad_enabled()


def test_one_no_grad_object_in_many_threads():
    errors, after = [], []
    barrier = threading.Barrier(4)

    def work(use_with):
        try:
            barrier.wait()
            for _ in range(500):
                if use_with:
                    with SHARED:
                        assert not tg.is_grad_enabled()
                else:
                    assert decorated() is False
            after.append(tg.is_grad_enabled())
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert after == [True] * 4  # recording is back on in every thread
    assert tg.is_grad_enabled()


def test_interleaved_blocks_of_one_object_in_two_threads():
    """Thread A enters, thread B enters, A leaves first: each must restore its own mode."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    errors, after = [], {}

    def a():
        try:
            with SHARED:
                a_in.set()
                b_in.wait(5)
            after["a"] = tg.is_grad_enabled()
        except Exception as error:
            errors.append(error)
        finally:
            a_in.set()
            a_out.set()

    def b():
        try:
            a_in.wait(5)
            with SHARED:
                b_in.set()
                a_out.wait(5)
                after["b inside"] = tg.is_grad_enabled()
            after["b"] = tg.is_grad_enabled()
        except Exception as error:
            errors.append(error)
        finally:
            b_in.set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert after == {"a": True, "b inside": False, "b": True}


def test_nesting_one_object_and_set_grad_enabled_still_work():
    with SHARED:
        with SHARED:
            assert not tg.is_grad_enabled()
            with tg.enable_grad():
                assert tg.is_grad_enabled()
            assert not tg.is_grad_enabled()
        tg.set_grad_enabled(True)  # a plain call inside a block lasts until the block ends
        assert tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


# ---- 6. gradients at the edge points, against PyTorch ---------------------------------------------------

EDGES = [
    ("std of a constant", lambda x: x.std(), [2.0, 2.0, 2.0]),
    ("std over a dim", lambda x: x.reshape(1, 3).std(dim=1).sum(), [2.0, 2.0, 2.0]),
    ("std, correction 0", lambda x: x.std(correction=0), [1.0, 1.0]),
    ("var of a constant", lambda x: x.var(), [2.0, 2.0, 2.0]),
    ("sqrt at 0", lambda x: x.sqrt().sum(), [0.0, 1.0]),
    ("pow 0.5 at 0", lambda x: (x**0.5).sum(), [0.0, 1.0]),
    ("pow 2 at 0", lambda x: (x**2).sum(), [0.0, 1.0]),
    ("pow 0 at 0", lambda x: (x**0).sum(), [0.0, 1.0]),
    ("pow 1.5 at 0", lambda x: (x**1.5).sum(), [0.0, 1.0]),
    ("norm at 0", lambda x: x.norm(), [0.0, 0.0]),
    ("norm 1 at 0", lambda x: x.norm(p=1), [0.0, 0.0]),
    ("norm 3 at 0", lambda x: x.norm(p=3), [0.0, 0.0]),
    ("norm over a dim at 0", lambda x: x.reshape(2, 1).norm(dim=1).sum(), [0.0, 3.0]),
    ("log at 0", lambda x: x.log().sum(), [0.0, 1.0]),
    ("max tie", lambda x: x.max(), [1.0, 1.0, 0.0]),
    ("min tie", lambda x: x.min(), [1.0, 1.0, 2.0]),
    ("max over a dim, tie", lambda x: x.reshape(1, 3).max(dim=1)[0].sum(), [1.0, 1.0, 0.0]),
    ("amax over a dim, tie", lambda x: x.reshape(1, 3).amax(dim=1).sum(), [1.0, 1.0, 0.0]),
    ("clamp at both bounds", lambda x: x.clamp(0.0, 1.0).sum(), [0.0, 1.0, 0.5]),
    ("clamp at min", lambda x: x.clamp(min=0.0).sum(), [0.0, 1.0]),
    ("abs at 0", lambda x: x.abs().sum(), [0.0, 1.0]),
    ("relu at 0", lambda x: x.relu().sum(), [0.0, 1.0]),
    ("sign at 0", lambda x: x.sign().sum(), [0.0, 1.0]),
    ("prod with a zero", lambda x: x.prod(), [0.0, 2.0, 3.0]),
    ("prod with two zeros", lambda x: x.prod(), [0.0, 0.0, 3.0]),
    ("logsumexp with -inf", lambda x: x.logsumexp(0), [-np.inf, 0.0]),
    ("maximum tie", lambda x: x.maximum(x.detach() * 1).sum(), [0.0, 1.0]),
]


def lib_of(x):
    """tinygrad_edu or torch, whichever ``x`` belongs to."""
    return tg if isinstance(x, tg.Tensor) else __import__("torch")


def F(x):
    return lib_of(x).nn.functional


def const(x, values):
    return lib_of(x).tensor(np.array(values))


EDGES += [
    ("softplus at its threshold", lambda x: F(x).softplus(x).sum(), [20.0, 0.0, -30.0]),
    ("elu at 0", lambda x: F(x).elu(x).sum(), [0.0, -1.0]),
    ("gelu at 0", lambda x: F(x).gelu(x).sum(), [0.0, 1.0]),
    ("leaky_relu at 0", lambda x: F(x).leaky_relu(x).sum(), [0.0, 1.0]),
    ("sigmoid far out", lambda x: x.sigmoid().sum(), [800.0, -800.0]),
    ("log_softmax of large logits", lambda x: F(x).log_softmax(x, dim=0)[0], [1000.0, 0.0]),
    ("softmax of large logits", lambda x: F(x).softmax(x, dim=0)[1], [1000.0, 0.0]),
    ("bce at p = target", lambda x: F(x).binary_cross_entropy(x, const(x, [0.0, 1.0])), [0.0, 1.0]),
    ("bce at the clamp", lambda x: F(x).binary_cross_entropy(x, const(x, [1.0, 0.0])), [0.0, 1.0]),
    (
        "bce with logits far out",
        lambda x: F(x).binary_cross_entropy_with_logits(x, const(x, [0.0, 1.0])),
        [800.0, -800.0],
    ),
    (
        "cross_entropy of large logits",
        lambda x: F(x).cross_entropy(x.reshape(1, 2), const(x, [1])),
        [1000.0, -1000.0],
    ),
    ("huber at delta", lambda x: F(x).huber_loss(x, const(x, [0.0, 0.0])), [1.0, -1.0]),
    ("l1 at 0", lambda x: F(x).l1_loss(x, const(x, [0.0, 1.0])), [0.0, 1.0]),
    ("logsumexp of all -inf", lambda x: x.logsumexp(0), [-np.inf, -np.inf]),
    ("norm inf at 0", lambda x: x.norm(p=float("inf")), [0.0, 0.0]),
    ("var of one element", lambda x: x.var(), [1.0]),
    ("std of one element, correction 0", lambda x: x.std(correction=0), [1.0]),
    ("reciprocal at 0", lambda x: x.reciprocal().sum(), [0.0]),
    ("log1p at -1", lambda x: x.log1p().sum(), [-1.0]),
    ("rsqrt at 0", lambda x: x.rsqrt().sum(), [0.0]),
    ("tensor power of 0", lambda x: (x ** const(x, [2.0])).sum(), [0.0]),
    ("min over a dim, tie", lambda x: x.reshape(1, 3).min(dim=1)[0].sum(), [1.0, 1.0, 2.0]),
    ("clamp at max", lambda x: x.clamp(max=1.0).sum(), [1.0, 2.0]),
    ("maximum tie with a constant", lambda x: x.maximum(const(x, [0.0, 1.0])).sum(), [0.0, 1.0]),
]


@pytest.mark.parametrize("name, f, values", EDGES, ids=[e[0] for e in EDGES])
def test_gradient_at_an_edge_point_matches_pytorch(name, f, values):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(np.array(values), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # division by zero on the way to inf is expected
            f(x).backward()
        grads.append(np.asarray(x.grad.detach().cpu().numpy() if lib is torch else x.grad.numpy()))
    np.testing.assert_allclose(grads[0], grads[1], equal_nan=True, err_msg=name)


def test_std_of_a_constant_has_a_zero_gradient_without_torch():
    x = tg.tensor([3.0, 3.0, 3.0, 3.0], requires_grad=True)
    x.std().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(4))


# ---- 7. silent acceptance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.array([1, "a"], dtype=object),
        np.array(["1.0", "2.0"]),
        np.array(["2020-01-01"], dtype="M8[D]"),
        np.zeros(2, dtype=[("a", "f4")]),
        np.array([1 + 2j]),
    ],
    ids=["object", "string", "datetime", "structured", "complex"],
)
def test_unsupported_arrays_are_refused(array):
    with pytest.raises(TypeError, match=re.escape(str(array.dtype))):
        tg.tensor(array)
    with pytest.raises(TypeError, match="from_numpy"):
        tg.from_numpy(array)


def test_view_dtype_reinterprets_bits():
    x = tg.tensor([1.0, -2.0])
    bits = x.view(tg.int32)
    np.testing.assert_array_equal(bits.numpy(), np.array([1.0, -2.0], np.float32).view(np.int32))
    assert bits.view(tg.float32).tolist() == [1.0, -2.0]


def test_data_assignment():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.data = tg.tensor([3.0, 4.0])  # SPEC: takes that tensor's values
    assert w.tolist() == [3.0, 4.0] and w.requires_grad and w.is_leaf
    with pytest.raises(TypeError, match=r"data: .*list"):
        w.data = [1.0, 2.0]
    assert w.tolist() == [3.0, 4.0]


def test_random_fills_and_grad_assignment_are_checked():
    w = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="uniform_"):
        tg.zeros(3).uniform_(1, 0)
    with pytest.raises(RuntimeError, match="normal_"):
        tg.zeros(3).normal_(std=-1)
    with pytest.raises(RuntimeError, match="int64"):
        w.grad = tg.zeros(3, dtype=tg.int64)
    assert w.grad is None
    assert tg.zeros(3).uniform_(1, 1).tolist() == [1.0, 1.0, 1.0]  # an empty-width range is allowed


@pytest.mark.parametrize("name", ["cuda:1", "cuda:7", "cpu:1"])
def test_other_device_indices_are_refused(name):
    with pytest.raises(RuntimeError, match=name):
        tg.device(name)
    assert tg.device("cuda:0") == "cuda"


# ---- 8. bare errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, op, value",
    [
        (lambda: tg.tensor([2**63]), "tensor", "9223372036854775808"),
        (lambda: tg.zeros(-1), "zeros", "-1"),
        (lambda: tg.eye(-1), "eye", "-1"),
        (lambda: nn.Linear(-1, 3), "Linear", "-1"),
        (lambda: tg.randint(5, 2, (3,)), "randint", "low=5"),
    ],
    ids=["tensor overflow", "zeros", "eye", "Linear", "randint"],
)
def test_errors_name_the_function_and_the_value(call, op, value):
    with pytest.raises((OverflowError, RuntimeError, ValueError)) as info:
        call()
    message = str(info.value)
    assert message.startswith(op) and value in message, message
    assert "negative dimensions are not allowed" not in message
