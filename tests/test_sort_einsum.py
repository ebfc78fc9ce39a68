"""The PyTorch habits of a course (issue 15), on the Tensor side: sort/argsort/topk indices, cumsum
dtypes, isclose/allclose, histogram, einsum errors, log2/log10, nelement, the axis=/keepdims=
aliases, formatting a 0-d tensor, the dtype rule of matrix products, and the ``.data`` idioms.
(Values and gradients of the differentiable ones are in tinygrad_edu/testing/registry/.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

SETTINGS = {"deadline": None, "derandomize": True, "database": None, "max_examples": 20}


def host(t):
    return np.asarray(t.detach())


def shapes(min_dims=0):
    return hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4)


def distinct(rng, shape):
    """Values at least 0.06 apart (one clear order, so indices can be compared with PyTorch's)."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.1 + rng.uniform(-0.02, 0.02, n)).reshape(shape)


# ---- sort, argsort, topk ------------------------------------------------------------------------------


@settings(**SETTINGS)
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1), descending=st.booleans(), data=st.data())
def test_sort_and_argsort_indices_match_torch(shape, seed, descending, data):
    torch = pytest.importorskip("torch")
    x = distinct(np.random.default_rng(seed), shape)
    n = max(len(shape), 1)
    dim = data.draw(st.integers(-n, n - 1))
    values, indices = tg.tensor(x).sort(dim, descending=descending)
    expected = torch.from_numpy(x).sort(dim, descending=descending)
    np.testing.assert_array_equal(host(values), expected.values.numpy())
    np.testing.assert_array_equal(host(indices), expected.indices.numpy())
    assert indices.dtype == tg.int64
    order = tg.argsort(tg.tensor(x), dim=dim, descending=descending)
    np.testing.assert_array_equal(
        host(order), torch.from_numpy(x).argsort(dim, descending=descending).numpy()
    )


def test_sort_ties_are_stable_and_integers_and_bools_sort():
    values, indices = tg.tensor([2, 1, 2, 1]).sort()
    assert values.tolist() == [1, 1, 2, 2] and indices.tolist() == [1, 3, 0, 2]
    assert tg.tensor([2, 1, 2, 1]).sort(descending=True).indices.tolist() == [0, 2, 1, 3]
    assert tg.tensor([True, False, True]).argsort(descending=True).tolist() == [0, 2, 1]
    assert tg.tensor([3, 250, 7], dtype=tg.uint8).argsort(descending=True).tolist() == [1, 2, 0]
    result = tg.tensor([3.0, 1.0]).sort()
    assert result.values is result[0] and result.indices is result[1]  # a named tuple, as in PyTorch


@settings(**SETTINGS)
@given(shape=shapes(min_dims=1), seed=st.integers(0, 2**32 - 1), largest=st.booleans(), data=st.data())
def test_topk_indices_match_torch(shape, seed, largest, data):
    torch = pytest.importorskip("torch")
    x = distinct(np.random.default_rng(seed), shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    ours = tg.topk(tg.tensor(x), k, dim=dim, largest=largest)
    theirs = torch.from_numpy(x).topk(k, dim=dim, largest=largest)
    np.testing.assert_array_equal(host(ours.values), theirs.values.numpy())
    np.testing.assert_array_equal(host(ours.indices), theirs.indices.numpy())


def test_topk_gradient_reaches_only_the_chosen_elements():
    x = tg.tensor([[1.0, 5.0, 3.0], [4.0, 0.0, 2.0]], requires_grad=True)
    x.topk(2, dim=1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]


def test_topk_with_k_larger_than_the_dim_says_so():
    with pytest.raises(RuntimeError, match=r"topk: k=4 is out of range for dim 1 of size 3"):
        tg.randn(2, 3).topk(4, dim=1)
    with pytest.raises(RuntimeError, match="topk: k=-1"):
        tg.randn(3).topk(-1)
    with pytest.raises(IndexError, match="topk"):
        tg.randn(3).topk(1, dim=2)


# ---- cumsum, log2/log10, isclose/allclose, histogram --------------------------------------------------


def test_cumsum_dtypes_and_zero_d_follow_torch():
    torch = pytest.importorskip("torch")
    for values in ([1, 2, 3], [True, False, True], [0.5, 1.5, 2.0]):
        ours, theirs = tg.tensor(values).cumsum(0), torch.tensor(values).cumsum(0)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(host(ours), theirs.numpy())
    assert tg.tensor([1, 2], dtype=tg.int32).cumsum(0).dtype == tg.int64
    assert tg.tensor([1, 2]).cumsum(0, dtype=tg.float64).dtype == tg.float64
    assert tg.tensor(2.0).cumsum(0).item() == 2.0
    assert tg.cumsum(tg.ones(2, 3), axis=1).tolist() == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(IndexError, match="cumsum"):
        tg.ones(2).cumsum(1)


def test_log2_and_log10_are_exact_on_powers():
    assert tg.tensor([1.0, 8.0, 1024.0]).log2().tolist() == [0.0, 3.0, 10.0]
    np.testing.assert_allclose(host(tg.tensor([1, 10, 1000]).log10()), [0, 1, 3], atol=1e-6)
    assert tg.log10(tg.tensor(100.0, dtype=tg.float64)).item() == pytest.approx(2.0, abs=1e-15)


def test_isclose_and_allclose_match_torch():
    torch = pytest.importorskip("torch")
    a = [1.0, 1.0 + 1e-6, float("inf"), float("nan"), 0.0]
    b = [1.0, 1.0, float("inf"), float("nan"), 1e-7]
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0, "atol": 1e-9}):
        ours = tg.isclose(tg.tensor(a, dtype=tg.float64), tg.tensor(b, dtype=tg.float64), **kwargs)
        theirs = torch.isclose(
            torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), **kwargs
        )
        assert ours.dtype == tg.bool
        np.testing.assert_array_equal(host(ours), theirs.numpy())
    assert tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0 + 1e-7]))
    assert not tg.tensor([1.0, 2.0]).allclose(tg.tensor([1.0, 2.1]))
    nan = tg.tensor([float("nan"), 1.0])
    assert not tg.allclose(nan, nan) and tg.allclose(nan, nan, equal_nan=True)
    assert tg.tensor([1.0, 2.0]).allclose([1.0, 2.0]) and tg.tensor(1.0).allclose(tg.ones(3))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bins": 5},
        {"bins": 4, "range": (-1.0, 1.0)},
        {"bins": 6, "density": True},
        {"bins": [-3.0, -1.0, 0.0, 0.5, 3.0]},
        {"bins": 3, "weight": True},
    ],
)
def test_histogram_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal(200)
    ours_kwargs, theirs_kwargs = dict(kwargs), dict(kwargs)
    if isinstance(kwargs["bins"], list):
        ours_kwargs["bins"], theirs_kwargs["bins"] = tg.tensor(kwargs["bins"]), torch.tensor(kwargs["bins"])
    if kwargs.get("weight"):
        w = np.random.default_rng(4).uniform(0, 2, 200).astype(np.float32)
        ours_kwargs["weight"], theirs_kwargs["weight"] = tg.tensor(w), torch.from_numpy(w)
    hist, edges = tg.histogram(tg.tensor(x, dtype=tg.float32), **ours_kwargs)
    expected = torch.histogram(torch.tensor(x, dtype=torch.float32), **theirs_kwargs)
    np.testing.assert_allclose(host(hist), expected.hist.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(edges), expected.bin_edges.numpy(), rtol=1e-6, atol=1e-6)
    assert hist.dtype == tg.float32 and edges.dtype == tg.float32


def test_histogram_of_gradients_and_its_errors():
    w = tg.randn(50, requires_grad=True)
    (w * w).sum().backward()
    counts, _ = w.grad.histogram(bins=10)
    assert counts.sum().item() == 50
    with pytest.raises(RuntimeError, match="histogram: input dtype should be floating point"):
        tg.histogram(tg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        tg.histogram(tg.randn(5), bins=3, range=(1.0, 0.0))


# ---- einsum: what the registry cannot show ------------------------------------------------------------


def test_einsum_values_of_common_forms():
    a, b = tg.randn(2, 3, dtype=tg.float64), tg.randn(3, 4, dtype=tg.float64)
    np.testing.assert_allclose(host(tg.einsum("ij,jk->ik", a, b)), host(a @ b), rtol=1e-12)
    np.testing.assert_allclose(host(tg.einsum("ij->ji", a)), host(a.T))
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert tg.einsum("ii", m).item() == 5.0 and tg.einsum("ii->i", m).tolist() == [1.0, 4.0]
    assert tg.einsum("i j , j k -> i k", a, b).shape == (2, 4)  # spaces are ignored


@pytest.mark.parametrize(
    ("equation", "shapes_", "message"),
    [
        ("ij,jk->ik", [(2, 3), (4, 5)], r"subscript 'j' has size 3 in one operand but 4"),
        ("ij,jk->ik", [(2, 3)], r"the equation has 2 operand\(s\) but 1 were given"),
        ("ij->ik", [(2, 3)], r"output subscript\(s\) \['k'\] appear in no operand"),
        ("ijk->i", [(2, 3)], "operand 0 has 2 dims but subscripts 'ijk'"),
        ("ij->ii", [(2, 2)], "repeats a letter"),
        ("i1->i", [(2, 2)], "subscripts must be letters"),
        ("ii->i", [(2, 3)], "repeated in operand 0 with sizes 2 and 3"),
    ],
)
def test_einsum_equation_that_does_not_fit_says_how(equation, shapes_, message):
    with pytest.raises(RuntimeError, match=message) as error:
        tg.einsum(equation, *[tg.randn(*s) for s in shapes_])
    assert "einsum" in str(error.value) and repr(equation) in str(error.value)


def test_einsum_refuses_mixed_float_dtypes():
    with pytest.raises(RuntimeError, match=r"einsum: .*float32, float64"):
        tg.einsum("i,i->", tg.randn(3), tg.randn(3, dtype=tg.float64))


# ---- conveniences -------------------------------------------------------------------------------------


def test_nelement_and_reduction_aliases():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.nelement() == x.numel() == 6
    assert x.sum(axis=0).tolist() == [3.0, 5.0, 7.0]
    assert x.sum(1, keepdims=True).shape == (2, 1)
    assert tg.mean(x, axis=(0, 1), keepdims=True).shape == (1, 1)
    assert x.max(axis=1).indices.tolist() == [2, 2]
    assert x.argmax(axis=0, keepdims=True).shape == (1, 3)
    assert tg.std(x, axis=1).shape == (2,) and x.any(axis=1).shape == (2,)
    with pytest.raises(TypeError, match="sum: got both dim and axis"):
        x.sum(0, axis=1)


def test_format_of_a_zero_d_tensor_is_its_number():
    torch = pytest.importorskip("torch")
    for value in (2.345678, 0.1, 3.0):
        loss, theirs = tg.tensor(value), torch.tensor(value)
        assert f"{loss:.4f}" == f"{theirs:.4f}"
        assert f"{loss}" == f"{theirs}"
        assert format(loss, "8.2e") == format(theirs, "8.2e")
    assert f"{tg.tensor(7)}" == "7"
    assert f"{tg.tensor([1.0, 2.0])}" == repr(tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        format(tg.tensor([1.0, 2.0]), ".2f")  # as PyTorch: only a 0-d tensor is a number


# ---- the dtype rule of matrix products ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: a @ b.T,
        lambda a, b: a.mm(b.T),
        lambda a, b: tg.matmul(a, b.T),
        lambda a, b: F.linear(a, b),
        lambda a, b: F.linear(a[0], b),
        lambda a, b: nn.Linear(3, 2)(b),
    ],
)
def test_matrix_products_refuse_mixed_float_dtypes_naming_both(call):
    a, b = tg.randn(2, 3), tg.randn(2, 3, dtype=tg.float64)
    with pytest.raises(RuntimeError, match=r"float32 and float64|float64 and float32"):
        call(a, b)


def test_conv2d_refuses_mixed_float_dtypes_naming_both():
    with pytest.raises(RuntimeError, match=r"conv2d: input \(float64\), weight \(float32\)"):
        F.conv2d(tg.randn(1, 1, 4, 4, dtype=tg.float64), tg.randn(1, 1, 3, 3))


def test_matrix_products_of_ints_with_floats_still_promote():
    assert (tg.tensor([[1, 2]]) @ tg.ones(2, 1)).dtype == tg.float32


# ---- the .data idioms ---------------------------------------------------------------------------------


def test_data_in_place_update_with_a_tensor_gradient():
    W = tg.randn(3, 2, requires_grad=True)
    (W * 2).sum().backward()
    data, before = W.data, np.asarray(W.detach()).copy()
    W.data += -50 * W.grad
    assert W.data is data  # the same array, updated in place: no Tensor inside .data
    assert isinstance(W.data, type(tg.zeros(1).data))
    np.testing.assert_allclose(np.asarray(W.detach()), before - 100)
    W.data -= 0.5 * W.grad
    W.data *= tg.tensor(2.0)
    np.testing.assert_allclose(np.asarray(W.detach()), (before - 101) * 2, rtol=1e-6)
    assert W.is_leaf and W.requires_grad


def test_assigning_a_tensor_to_data_takes_its_values():
    p = tg.zeros(2, requires_grad=True)
    p.data = tg.tensor([1.0, 2.0])
    assert isinstance(p.data, type(tg.zeros(1).data))
    assert p.tolist() == [1.0, 2.0] and p.requires_grad and p.is_leaf
    p.data = p.data - tg.tensor([1.0, 1.0])  # array − Tensor is a Tensor, and .data takes its values
    assert p.tolist() == [0.0, 1.0]


@pytest.mark.cpu_only
def test_numpy_arrays_meeting_tensors_still_make_tensors():
    a, t = np.ones(3), tg.tensor([1.0, 2.0, 3.0])
    for result in (a + t, a - t, a * t, a / t, a**t, a < t, np.maximum(a, t)):
        assert isinstance(result, tg.Tensor)
    assert (a - t).tolist() == [0.0, -1.0, -2.0] and (a < t).tolist() == [False, True, True]
    assert isinstance(np.exp(t), np.ndarray)  # other ufuncs work on the values, as before
