"""In-place operations: where they are allowed, where they raise, and the version counter."""

import numpy as np
import pytest

import tinygrad_edu as tg

INPLACE_METHODS = [
    ("add_", lambda t: t.add_(1.0)),
    ("sub_", lambda t: t.sub_(1.0)),
    ("mul_", lambda t: t.mul_(2.0)),
    ("div_", lambda t: t.div_(2.0)),
    ("zero_", lambda t: t.zero_()),
    ("fill_", lambda t: t.fill_(3.0)),
    ("clamp_", lambda t: t.clamp_(0.0, 1.5)),
]


def _iadd(t):
    t += 1.0


def _isub(t):
    t -= 1.0


def _imul(t):
    t *= 2.0


def _idiv(t):
    t /= 2.0


def _setitem(t):
    t[0] = 5.0


INPLACE_OPERATORS = [("+=", _iadd), ("-=", _isub), ("*=", _imul), ("/=", _idiv), ("[0] =", _setitem)]
ALL_INPLACE = INPLACE_METHODS + INPLACE_OPERATORS


@pytest.mark.parametrize("name, op", ALL_INPLACE, ids=[name for name, _ in ALL_INPLACE])
def test_inplace_on_a_tensor_without_grad_is_allowed_and_bumps_the_version(name, op):
    t = tg.tensor([1.0, 2.0, 3.0])
    data, version = t.data, t._version
    op(t)
    assert t.data is data, "an in-place op must keep the same buffer"
    assert t._version > version
    assert not t.requires_grad


@pytest.mark.parametrize(
    "op, expected",
    [(_iadd, [2.0, 3.0, 4.0]), (_isub, [0.0, 1.0, 2.0]), (_imul, [2.0, 4.0, 6.0]), (_idiv, [0.5, 1.0, 1.5])],
)
def test_augmented_assignment_values(op, expected):
    t = tg.tensor([1.0, 2.0, 3.0])
    op(t)
    np.testing.assert_allclose(t.numpy(), expected)


def test_inplace_method_results():
    t = tg.tensor([1.0, -2.0, 3.0])
    assert t.add_(1.0) is t
    np.testing.assert_allclose(t.numpy(), [2.0, -1.0, 4.0])
    t.sub_(tg.tensor([1.0, 1.0, 1.0]), alpha=2)
    np.testing.assert_allclose(t.numpy(), [0.0, -3.0, 2.0])
    t.mul_(tg.tensor([2.0, 2.0, 0.5]))
    np.testing.assert_allclose(t.numpy(), [0.0, -6.0, 1.0])
    t.div_(2)
    np.testing.assert_allclose(t.numpy(), [0.0, -3.0, 0.5])
    t.clamp_(min=-1.0)
    np.testing.assert_allclose(t.numpy(), [0.0, -1.0, 0.5])
    t.fill_(7)
    np.testing.assert_allclose(t.numpy(), [7.0, 7.0, 7.0])
    t.zero_()
    np.testing.assert_allclose(t.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name, op", ALL_INPLACE, ids=[name for name, _ in ALL_INPLACE])
def test_inplace_on_a_leaf_requiring_grad_raises_outside_no_grad(name, op):
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    before = np.asarray(w).copy()
    with pytest.raises(RuntimeError, match="leaf") as info:
        op(w)
    assert "no_grad" in str(info.value)
    np.testing.assert_array_equal(np.asarray(w), before)
    assert w._version == 0


@pytest.mark.parametrize("name, op", ALL_INPLACE, ids=[name for name, _ in ALL_INPLACE])
def test_inplace_on_a_leaf_requiring_grad_is_allowed_inside_no_grad(name, op):
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        op(w)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


def test_the_hand_written_sgd_update():
    w = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    data = w.data
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
    assert w.data is data  # updated in place: optimizers and modules keep seeing the same tensor
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.detach().numpy(), [0.8**3, -2 * 0.8**3])
    (w * 1).sum().backward()  # still trainable after the updates
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_inplace_grad_zeroing_inside_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    w.grad.zero_()
    (w * 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


def test_modifying_a_saved_input_makes_backward_raise():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = tg.tensor([1.0, 2.0, 3.0])
    loss = (x * a).sum()  # Mul saves a
    a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        loss.backward()
    assert "Mul" in str(info.value) and "version" in str(info.value)
    assert x.grad is None


def test_modifying_a_saved_output_makes_backward_raise():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    with tg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="inplace") as info:
        y.sum().backward()
    assert "Exp" in str(info.value)


def test_modifying_a_saved_tensor_through_detach_makes_backward_raise():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    shared = y.detach()  # shares data and version counter
    shared += 1
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_modifying_a_saved_tensor_by_item_assignment_makes_backward_raise():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = tg.tensor([1.0, 2.0, 3.0])
    loss = (x * c).sum()
    c[0] = 10.0
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_modifying_the_base_of_a_saved_slice_makes_backward_raise():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    base = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    row = base[0]  # a view of base's data
    loss = (x * row).sum()  # Mul saves the view
    base.add_(1)
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_modifying_the_base_of_a_saved_reshape_makes_backward_raise():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    base = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    flat = base.reshape(4)
    loss = (x * flat).sum()
    base[1, 1] = 0.0
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_modifying_a_view_of_a_saved_tensor_makes_backward_raise():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    saved = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    loss = (x * saved).sum()  # Mul saves the whole tensor
    view = saved.T[0]  # a view of a view
    view.mul_(3)
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_modifying_a_tensor_after_backward_is_fine():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = tg.tensor([1.0, 2.0, 3.0])
    loss = (x * a).sum()
    loss.backward()
    a.mul_(2)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_modifying_a_tensor_that_was_not_saved_is_fine():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = tg.tensor([1.0, 2.0, 3.0])
    loss = (x + a).sum()  # Add saves nothing
    a.mul_(2)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_inplace_method_on_a_non_leaf_changes_the_tensor_itself_and_is_recorded():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    data = h.data
    assert h.add_(1) is h and h.data is data  # the same tensor and buffer: aliases see the change
    assert h.grad_fn.name == "AddBackward"
    h[0] = 1.0
    assert h.grad_fn.name == "SetItemBackward"
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 2.0])  # element 0 was overwritten: no gradient
    y = tg.tensor([1.0, 2.0])
    y.mul_(x)  # a constant pulled into the graph, as in PyTorch
    assert y.requires_grad and y.grad_fn is not None


def test_mask_assignment():
    t = tg.tensor([1.0, -2.0, 3.0, -4.0])
    t[t < 0] = 0
    np.testing.assert_array_equal(t.numpy(), [1.0, 0.0, 3.0, 0.0])
    t[tg.tensor([True, False, False, True])] = tg.tensor([7.0, 8.0])
    np.testing.assert_array_equal(t.numpy(), [7.0, 0.0, 3.0, 8.0])


def test_row_assignment():
    t = tg.zeros(3, 2)
    t[1, :] = tg.tensor([1.0, 2.0])
    t[2] = 5.0
    t[:, 0] = t[:, 0] + 10
    np.testing.assert_array_equal(t.numpy(), [[10.0, 0.0], [11.0, 2.0], [15.0, 5.0]])
    assert t.dtype == tg.float32


def test_item_assignment_of_the_wrong_shape_raises_with_shapes():
    t = tg.zeros(2, 3)
    with pytest.raises(RuntimeError) as info:
        t[0, :] = tg.ones(4)
    assert "(4,)" in str(info.value) and "(2, 3)" in str(info.value)


def test_item_assignment_on_a_leaf_inside_no_grad():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        w[w > 1.5] = 0.0
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 0.0, 0.0])
    assert w.requires_grad and w.is_leaf


def test_augmented_assignment_on_a_non_leaf_gives_the_right_gradient():
    # x += y on a non-leaf changes x itself (PyTorch's semantics): every alias sees the result
    x = tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True)
    h = x * 2
    old = h
    h += x * x
    h *= x
    h -= 1.0
    h /= 2.0
    h.sum().backward()
    # h = ((2x + x²)·x − 1)/2 = (2x² + x³ − 1)/2, dh/dx = (4x + 3x²)/2
    xd = np.asarray(x)
    np.testing.assert_allclose(h.detach().numpy(), (2 * xd**2 + xd**3 - 1) / 2)
    np.testing.assert_allclose(x.grad.numpy(), (4 * xd + 3 * xd**2) / 2)
    assert old is h  # the same tensor, changed in place


def test_augmented_assignment_of_a_graph_tensor_into_a_constant():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    acc = tg.zeros(2)
    acc += x * 3
    acc += x * x
    acc.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0 + 2.0, 3.0 + 4.0])


def test_inplace_with_a_broadcast_mismatch_raises_with_shapes():
    t = tg.zeros(2, 3)
    with pytest.raises(RuntimeError) as info:
        t.add_(tg.ones(4, 3))
    assert "add_" in str(info.value) and "(2, 3)" in str(info.value)
