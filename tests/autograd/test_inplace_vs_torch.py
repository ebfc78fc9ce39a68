"""In-place operations on tensors of the graph, case by case against PyTorch: the values every alias
and view sees, the gradients, or the error.

Each case is one program written once for both libraries (``lib`` is ``tinygrad_edu`` or ``torch``);
it returns the arrays to compare. Without PyTorch, the expected values written next to each case
are checked instead.
"""

import numpy as np
import pytest

import tinygrad_edu as tg


def _leaf(lib, values):
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()


def scalar_mul(lib):
    x = _leaf(lib, [1.0, 2.0])
    y = x * 3
    y.mul_(2)
    y.sum().backward()
    return _np(y), _np(x.grad)


def tensor_mul_needs_the_old_value(lib):
    x, w = _leaf(lib, [1.0, 2.0]), _leaf(lib, [5.0, 7.0])
    y = x * 3
    y.mul_(w)
    y.sum().backward()
    return _np(x.grad), _np(w.grad)


def augmented_operators(lib):
    x = _leaf(lib, [1.0, 2.0, 3.0])
    h = x * 2
    alias = h
    h += x * x
    h *= x
    h -= 1.0
    h /= 2.0
    h.sum().backward()
    return _np(alias), _np(x.grad)


def earlier_consumer_keeps_the_old_value(lib):
    x = _leaf(lib, [1.0, 2.0])
    y = x * 3
    z = y + 1  # recorded before the change: its gradient flows through the old y
    y.mul_(5)
    (z.sum() + y.sum()).backward()
    return _np(z), _np(y), _np(x.grad)


def view_changed_in_place_changes_the_base(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    y = x * 2
    v = y[0]
    v.mul_(3)
    y.sum().backward()
    return _np(y), _np(v), _np(x.grad)


def transposed_view_changed_in_place(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    y = x * 2
    v = y.T
    v.mul_(lib.tensor(np.array([[1.0, 10.0], [1.0, 10.0]])))
    (y * y).sum().backward()
    return _np(y), _np(x.grad)


def view_of_a_view(lib):
    x = _leaf(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = x * 1
    v = y.reshape(3, 2)[1:]
    v += 10
    (y * x).sum().backward()
    return _np(y), _np(x.grad)


def base_changed_view_sees_it(lib):
    x = _leaf(lib, [1.0, 2.0, 3.0])
    y = x * 2
    v = y[1:]
    y.add_(1)
    (v * v).sum().backward()
    return _np(v), _np(x.grad)


def item_assignment_stops_the_gradient(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    h = x * 2
    h[:, 0] = 0
    h.sum().backward()
    return _np(h), _np(x.grad)


def item_assignment_of_a_graph_value(lib):
    x, w = _leaf(lib, [1.0, 2.0, 3.0]), _leaf(lib, [5.0])
    h = x * 1
    h[h > 1.5] = w * 2
    (h * h).sum().backward()
    return _np(h), _np(x.grad), _np(w.grad)


def constant_pulled_into_the_graph(lib):
    w = _leaf(lib, [1.0, 2.0])
    acc = lib.zeros(2, dtype=lib.float64)
    acc += w * 3
    acc += w * w
    acc.sum().backward()
    return _np(acc), _np(w.grad)


def clamp_fill_zero_copy(lib):
    x, s = _leaf(lib, [-1.0, 0.5, 2.0]), _leaf(lib, [4.0, 5.0, 6.0])
    a = x * 1
    a.clamp_(0.0, 1.0)
    b = x * 1
    b.zero_()
    c = x * 1
    c.copy_(s * 2)
    d = x * 1
    d.fill_(3.0)
    (a * 2 + b + c * c + d).sum().backward()
    return _np(a), _np(b), _np(c), _np(x.grad), _np(s.grad)


def relu_output_overwritten_raises(lib):
    x = _leaf(lib, [-1.0, 2.0])
    y = x.relu()  # saves its output, as PyTorch's does
    y.add_(1)
    y.sum().backward()


def saved_output_overwritten_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    y = x.exp()
    y += 1
    y.sum().backward()


def saved_input_overwritten_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    h = x * 1
    y = h * h
    h.mul_(2)
    y.sum().backward()


def saved_via_view_overwritten_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    h = x * 1
    y = h.sin()  # saves h
    h[0:1].add_(1)  # changed through a view
    y.sum().backward()


def leaf_in_place_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    x.add_(1)


def view_of_leaf_in_place_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    x[0:1].mul_(2)


def expanded_view_in_place_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    h = x * 1
    h.expand(3, 2).mul_(2)


def wrong_shape_raises(lib):
    x = _leaf(lib, [1.0, 2.0])
    h = x * 1
    h.add_(lib.ones(3, 2, dtype=lib.float64))


VALUE_CASES = {
    scalar_mul: ([6.0, 12.0], [6.0, 6.0]),
    tensor_mul_needs_the_old_value: ([15.0, 21.0], [3.0, 6.0]),
    augmented_operators: ([1.0, 7.5, 22.0], [3.5, 10.0, 19.5]),
    earlier_consumer_keeps_the_old_value: ([4.0, 7.0], [15.0, 30.0], [18.0, 18.0]),
    view_changed_in_place_changes_the_base: (
        [[6.0, 12.0], [6.0, 8.0]],
        [6.0, 12.0],
        [[6.0, 6.0], [2.0, 2.0]],
    ),
    transposed_view_changed_in_place: ([[2.0, 4.0], [60.0, 80.0]], [[8.0, 16.0], [2400.0, 3200.0]]),
    view_of_a_view: ([[1.0, 2.0, 13.0], [14.0, 15.0, 16.0]], [[2.0, 4.0, 16.0], [18.0, 20.0, 22.0]]),
    base_changed_view_sees_it: ([5.0, 7.0], [0.0, 20.0, 28.0]),
    item_assignment_stops_the_gradient: ([[0.0, 4.0], [0.0, 8.0]], [[0.0, 2.0], [0.0, 2.0]]),
    item_assignment_of_a_graph_value: ([1.0, 10.0, 10.0], [2.0, 0.0, 0.0], [80.0]),
    constant_pulled_into_the_graph: ([4.0, 10.0], [5.0, 7.0]),
    clamp_fill_zero_copy: (
        [0.0, 0.5, 1.0],
        [0.0, 0.0, 0.0],
        [8.0, 10.0, 12.0],
        [0.0, 2.0, 0.0],
        [32.0, 40.0, 48.0],
    ),
}

ERROR_CASES = {
    saved_output_overwritten_raises: "modified by an inplace operation",
    saved_input_overwritten_raises: "modified by an inplace operation",
    relu_output_overwritten_raises: "modified by an inplace operation",
    saved_via_view_overwritten_raises: "modified by an inplace operation",
    leaf_in_place_raises: "leaf Variable",
    view_of_leaf_in_place_raises: "view of a leaf Variable",
    wrong_shape_raises: "doesn't match the broadcast shape",
    expanded_view_in_place_raises: "more than one element of the written-to tensor",
}


@pytest.mark.parametrize("case", list(VALUE_CASES), ids=lambda f: f.__name__)
def test_values_and_gradients(case):
    for got, expected in zip(case(tg), VALUE_CASES[case], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=lambda f: f.__name__)
def test_errors(case):
    with pytest.raises(RuntimeError, match=ERROR_CASES[case]):
        case(tg)


@pytest.mark.parametrize("case", list(VALUE_CASES) + list(ERROR_CASES), ids=lambda f: f.__name__)
def test_same_as_pytorch(case):
    torch = pytest.importorskip("torch")
    if case in ERROR_CASES:
        with pytest.raises(RuntimeError):
            case(torch)
        return
    for ours, theirs in zip(case(tg), case(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
