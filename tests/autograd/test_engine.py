"""The backward engine: accumulation, retain/create graph, autograd.grad, hooks, memory and depth."""

import contextlib
import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg


@contextlib.contextmanager
def gc_disabled():
    """Only reference counting frees objects inside: a reference cycle would keep them alive."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def leaf(values, dtype=tg.float64):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


# ---- .backward() -----------------------------------------------------------------------------------


def test_backward_of_a_scalar_fills_leaf_grads():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert isinstance(x.grad, tg.Tensor)
    assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
    assert not x.grad.requires_grad


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0 + 2.0, 3.0 + 4.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_gradient_of_a_leaf_used_twice_is_summed():
    x = leaf([2.0])
    (x * x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 * 4.0 + 1])


def test_non_scalar_backward_without_gradient_raises():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"(?i)grad.*(implicitly|scalar)") as info:
        y.backward()
    assert "(2,)" in str(info.value)
    assert x.grad is None


def test_one_element_non_scalar_backward_needs_no_gradient():
    x = leaf([[3.0]])
    (x * x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[6.0]])


def test_backward_with_an_explicit_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    v = tg.tensor([1.0, 10.0, 100.0], dtype=tg.float64)
    y.backward(v)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0, 600.0])
    y2 = x * 3
    y2.backward(gradient=[1.0, 1.0, 1.0])  # a list is accepted as a gradient too
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 43.0, 603.0])


def test_backward_with_a_gradient_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape") as info:
        (x * 2).backward(tg.ones(3, dtype=tg.float64))
    assert "(3,)" in str(info.value) and "(2,)" in str(info.value)


def test_backward_of_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    loss = x.exp().sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True") as info:
        loss.backward()
    assert "second time" in str(info.value)
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))  # the failed call added nothing


def test_second_backward_with_retain_graph_works():
    x = leaf([1.0, 2.0])
    loss = x.exp().sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_backward_through_a_shared_subgraph_after_the_other_branch_freed_it_raises():
    x = leaf([1.0, 2.0])
    h = x.sin()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 3).sum().backward()


# ---- create_graph: gradients of gradients -----------------------------------------------------------


def test_create_graph_gives_the_second_and_third_derivative_of_x_cubed():
    x = leaf(2.0)
    (first,) = tg.autograd.grad(x**3, x, create_graph=True)
    assert first.requires_grad and first.grad_fn is not None
    assert first.item() == pytest.approx(12.0)  # 3x²
    (second,) = tg.autograd.grad(first, x, create_graph=True)
    assert second.item() == pytest.approx(12.0)  # 6x
    (third,) = tg.autograd.grad(second, x)
    assert third.item() == pytest.approx(6.0)
    assert x.grad is None


def test_backward_create_graph_makes_grad_differentiable():
    x = leaf([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    grad = x.grad
    assert grad.requires_grad
    np.testing.assert_allclose(grad.detach().numpy(), [3.0, 12.0])
    x.grad = None
    grad.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])  # d/dx Σ 3x² = 6x


def test_gradient_penalty_matches_the_closed_form():
    # f(w, x) = Σ sin(w·x); penalty = Σ (df/dx)² = Σ w² cos²(w·x)
    w = leaf([0.5, -1.5, 2.0])
    x = leaf([1.0, 0.3, -0.7])
    out = (w * x).sin().sum()
    (gx,) = tg.autograd.grad(out, x, create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()
    wd, xd = np.asarray(w), np.asarray(x)
    expected_w = 2 * wd * np.cos(wd * xd) ** 2 - 2 * wd**2 * np.cos(wd * xd) * np.sin(wd * xd) * xd
    expected_x = -2 * wd**3 * np.cos(wd * xd) * np.sin(wd * xd)
    np.testing.assert_allclose(w.grad.numpy(), expected_w, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), expected_x, rtol=1e-12)


def test_hessian_vector_product_by_double_backward():
    x = leaf([0.1, 0.2, 0.3])
    v = tg.tensor([1.0, -1.0, 2.0], dtype=tg.float64)
    f = (x**2).sum() * x.sum()  # H = 2·diag(Σx) + 2(x 1ᵀ + 1 xᵀ)
    (g,) = tg.autograd.grad(f, x, create_graph=True)
    (hv,) = tg.autograd.grad((g * v).sum(), x)
    xs = np.asarray(x)
    hessian = 2 * xs.sum() * np.eye(3) + 2 * (xs[:, None] + xs[None, :])
    np.testing.assert_allclose(hv.numpy(), hessian @ np.asarray(v), rtol=1e-12)


# ---- tg.autograd.grad ---------------------------------------------------------------------------------


def test_grad_returns_a_tuple_and_leaves_dot_grad_untouched():
    x = leaf([1.0, 2.0])
    y = leaf([3.0, 4.0])
    result = tg.autograd.grad((x * y).sum(), (x, y))
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_allclose(result[0].numpy(), [3.0, 4.0])
    np.testing.assert_allclose(result[1].numpy(), [1.0, 2.0])
    assert x.grad is None and y.grad is None
    single = tg.autograd.grad((x * x).sum(), x)
    assert isinstance(single, tuple) and len(single) == 1


def test_grad_does_not_disturb_previously_accumulated_grads():
    x = leaf([1.0, 2.0])
    (x * 5).sum().backward()
    tg.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_grad_with_grad_outputs_is_a_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    v = tg.tensor([1.0, 0.5, -1.0], dtype=tg.float64)
    (g,) = tg.autograd.grad(x**2, x, grad_outputs=v)
    np.testing.assert_allclose(g.numpy(), 2 * np.asarray(x) * np.asarray(v))
    with pytest.raises(RuntimeError, match="scalar"):
        tg.autograd.grad(x**2, x)


def test_grad_of_several_outputs_sums_their_contributions():
    x = leaf([1.0, 2.0])
    (g,) = tg.autograd.grad([(x * x).sum(), (3 * x).sum()], x)
    np.testing.assert_allclose(g.numpy(), [2.0 + 3, 4.0 + 3])


def test_grad_raises_on_an_unused_input_unless_allowed():
    x = leaf([1.0, 2.0])
    unused = leaf([5.0])
    with pytest.raises(RuntimeError, match="allow_unused") as info:
        tg.autograd.grad((x * x).sum(), (x, unused))
    assert "input 1" in str(info.value)
    gx, gu = tg.autograd.grad((x * x).sum(), (x, unused), allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert gu is None


def test_grad_frees_the_graph_unless_retained():
    x = leaf([1.0, 2.0])
    loss = x.exp().sum()
    tg.autograd.grad(loss, x, retain_graph=True)
    tg.autograd.grad(loss, x)
    with pytest.raises(RuntimeError, match="second time"):
        tg.autograd.grad(loss, x)


def test_grad_of_an_input_that_does_not_require_grad_raises():
    x = leaf([1.0])
    constant = tg.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad((x * constant).sum(), constant)


def test_grad_without_create_graph_returns_plain_tensors():
    x = leaf([1.0, 2.0])
    (g,) = tg.autograd.grad((x**3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


# ---- hooks and retain_grad --------------------------------------------------------------------------


def test_hook_is_called_with_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * x).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [2.0, 4.0])


def test_hook_may_replace_the_gradient_of_a_leaf():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_hook_on_a_non_leaf_changes_what_flows_further_back():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []

    def hook(g):
        seen.append(g.numpy().copy())
        return g * 0 + 1  # replace d loss / d h by ones

    h.register_hook(hook)
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * np.asarray(h))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_hook_returning_none_keeps_the_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_removed_hook_is_not_called():
    x = leaf([1.0, 2.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 100)
    kept = x.register_hook(lambda g: calls.append(2))
    handle.remove()
    (x * 3).sum().backward()
    assert calls == [2]
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    kept.remove()
    (x * 3).sum().backward()
    assert calls == [2]


def test_register_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="register_hook"):
        tg.ones(2).register_hook(lambda g: g)


def test_non_leaf_grad_is_none_without_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 2
    (h * h).sum().backward()
    assert h.grad is None
    assert not h.is_leaf and x.is_leaf


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    other = x * 3
    h.retain_grad()
    assert h.retains_grad
    (h * other).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), np.asarray(other))
    assert other.grad is None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.asarray(other) + 3 * np.asarray(h))


def test_retain_grad_on_a_leaf_is_harmless():
    x = leaf([1.0, 2.0])
    x.retain_grad()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


# ---- .grad assignment and aliasing ----------------------------------------------------------------


def test_grad_can_be_assigned_none_or_a_tensor():
    x = leaf([1.0, 2.0])
    x.grad = tg.tensor([10.0, 20.0], dtype=tg.float64)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [11.0, 21.0])
    x.grad = None
    assert x.grad is None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_assigning_a_grad_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape") as info:
        x.grad = tg.ones(3, dtype=tg.float64)
    assert "(3,)" in str(info.value) and "(2,)" in str(info.value)
    with pytest.raises(TypeError):
        x.grad = [1.0, 2.0]
    assert x.grad is None


def test_leaf_gradients_do_not_alias_each_other():
    x = leaf([1.0, 2.0])
    y = leaf([3.0, 4.0])
    (x + y).sum().backward()  # Add passes the same gradient array to both inputs
    assert not np.shares_memory(np.asarray(x.grad), np.asarray(y.grad))
    x.grad.data += 100
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


def test_leaf_gradient_does_not_alias_the_seed():
    x = leaf([1.0, 2.0])
    v = tg.tensor([1.0, 1.0], dtype=tg.float64)
    (x * 1).backward(v)
    x.grad.data += 1
    np.testing.assert_allclose(v.numpy(), [1.0, 1.0])
    w = leaf([1.0, 2.0])
    w.reshape(2).backward(v)  # Reshape passes the seed straight through
    w.grad.data *= 7
    np.testing.assert_allclose(v.numpy(), [1.0, 1.0])


def test_accumulation_does_not_write_into_a_previous_backwards_tensor():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    first = x.grad.numpy().copy()
    y = leaf([0.0, 0.0])
    (x + y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), first + 1)
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


# ---- depth and memory -------------------------------------------------------------------------------


def test_a_graph_100000_ops_deep_backpropagates_and_drops():
    limit = sys.getrecursionlimit()
    assert limit <= 10_000  # the default (1000) or close: recursion would fail
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # dropping the (already released) chain

    y = x
    for _ in range(100_000):
        y = y + 0.0
    del y  # dropping a chain that never ran backward: no RecursionError on deallocation
    assert sys.getrecursionlimit() == limit


def test_saved_buffers_are_freed_after_backward_while_the_loss_is_kept():
    x = tg.randn(1000, requires_grad=True)
    with gc_disabled():
        h = x.exp()  # Exp saves its output
        g = h * x  # Mul saves both inputs
        loss = g.sum()
        refs = [weakref.ref(h), weakref.ref(h.data), weakref.ref(g), weakref.ref(g.data)]
        del h, g
        assert all(r() is not None for r in refs)  # the graph holds them before backward
        loss.backward()
        assert all(r() is None for r in refs), "backward did not free the graph's saved buffers"
        assert loss.item() == pytest.approx(float((np.exp(np.asarray(x)) * np.asarray(x)).sum()), rel=1e-4)


def test_retained_graph_is_kept_until_the_loss_is_dropped():
    x = tg.randn(10, requires_grad=True)
    with gc_disabled():
        h = x.sin()
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        loss.backward(retain_graph=True)
        assert ref() is not None
        del loss
        assert ref() is None


def test_no_reference_cycles_in_a_graph_before_and_after_backward():
    with gc_disabled():
        x = tg.randn(50, requires_grad=True)
        w = tg.randn(50, 50, requires_grad=True)
        h = (w @ x).tanh()
        refs = [weakref.ref(h), weakref.ref(h.grad_fn), weakref.ref(h.data)]
        loss = (h * h).mean()
        refs.append(weakref.ref(loss))
        del h, loss  # never ran backward
        assert all(r() is None for r in refs), "a graph that was never used was not freed"

        h = (w @ x).tanh()
        refs = [weakref.ref(h), weakref.ref(h.grad_fn), weakref.ref(h.data)]
        loss = (h * h).mean()
        refs.append(weakref.ref(loss))
        loss.backward()
        grad_ref = weakref.ref(w.grad)
        del h, loss
        assert all(r() is None for r in refs), "a graph was not freed after backward"

        del x, w  # the leaves and their grads go too
        assert grad_ref() is None


def test_no_reference_cycles_after_autograd_grad_with_create_graph():
    with gc_disabled():
        x = tg.randn(5, dtype=tg.float64, requires_grad=True)
        loss = (x.sin() * x).sum()
        (g,) = tg.autograd.grad(loss, x, create_graph=True)
        (hv,) = tg.autograd.grad(g.sum(), x)
        refs = [weakref.ref(loss), weakref.ref(g), weakref.ref(hv), weakref.ref(g.grad_fn)]
        del loss, g, hv
        assert all(r() is None for r in refs)


def test_the_engine_creates_no_cyclic_garbage():
    x = tg.randn(4, requires_grad=True)
    with gc_disabled():
        for _ in range(50):
            h = (x * x).sin() + 1
            loss = h.sum()
            loss.backward()
            del h, loss
        assert gc.collect() == 0, "building and backpropagating a graph left cyclic garbage"


def test_no_memory_growth_over_1000_iterations():
    def step(w):
        x = tg.randn(3, 4)
        loss = ((x @ w).tanh() * 2 - 1).pow(2).mean()
        loss.backward()
        with tg.no_grad():
            w -= 0.01 * w.grad
        w.grad = None

    w = tg.randn(4, 2, requires_grad=True)
    for _ in range(50):  # warm up caches and free lists
        step(w)
    gc.collect()
    tracemalloc.start()
    try:
        with gc_disabled():
            for _ in range(100):
                step(w)
            gc.collect()  # empties the interpreter's free lists (no cycles: see the test above)
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(1000):
                step(w)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 20_000, f"memory grew by {after - before} bytes over 1,000 iterations"


def test_keeping_every_loss_does_not_keep_the_activations_alive():
    w = tg.randn(100, 100, requires_grad=True)
    losses, activation_refs = [], []
    with gc_disabled():
        for _ in range(10):
            x = tg.randn(32, 100)
            h = (x @ w).relu()
            activation_refs.append(weakref.ref(h.data))
            loss = h.mean()
            loss.backward()
            losses.append(loss)
            del x, h, loss
        assert all(r() is None for r in activation_refs)
        assert len(losses) == 10 and all(loss.grad_fn is not None for loss in losses)

    tracemalloc.start()
    try:
        losses = []
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            h = (tg.randn(64, 100) @ w).relu()  # 25.6 kB of activations per iteration
            loss = h.mean()
            loss.backward()
            losses.append(loss)
            del h, loss
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 100 * 4 * 3, f"{grown} bytes kept alive by 10 loss tensors"
