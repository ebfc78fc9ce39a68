"""tg.autograd.functional: jacobian, hessian, hvp, vjp — closed forms, and PyTorch where installed."""

import numpy as np
import pytest

import tinygrad_edu as tg

F = tg.autograd.functional


def f64(values):
    return tg.tensor(values, dtype=tg.float64)


X = [0.3, -1.2, 0.7]
V = [1.0, 2.0, -3.0]


def scalar_fn(t):
    return (t.sin() * t).sum()  # f = Σ x sin x


def scalar_fn_hessian(x):
    return np.diag(2 * np.cos(x) - x * np.sin(x))


def vector_fn(t):
    return t.sin() * t  # elementwise: a diagonal Jacobian


def two_input_fn(a, b):
    return (a[:2] * b.exp()).sum() + (a * a).sum() * b.sum()


def test_jacobian_of_an_elementwise_function_is_diagonal():
    x = f64(X)
    jac = F.jacobian(vector_fn, x)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac.numpy(), np.diag(np.sin(X) + np.array(X) * np.cos(X)), rtol=1e-12)


def test_jacobian_of_a_linear_map_is_the_matrix():
    a = np.arange(6.0).reshape(2, 3)
    jac = F.jacobian(lambda t: f64(a) @ t, f64(X))
    np.testing.assert_allclose(jac.numpy(), a)


def test_jacobian_shape_is_output_shape_plus_input_shape():
    x = tg.tensor(np.arange(6.0).reshape(2, 3), dtype=tg.float64)
    jac = F.jacobian(lambda t: t.sum(0), x)
    assert jac.shape == (3, 2, 3)
    expected = np.zeros((3, 2, 3))
    for j in range(3):
        expected[j, :, j] = 1
    np.testing.assert_allclose(jac.numpy(), expected)


def test_jacobian_with_several_inputs_returns_a_tuple():
    a, b = f64(X), f64([1.0, 2.0])
    ja, jb = F.jacobian(lambda a, b: a[:2] * b, (a, b))
    assert ja.shape == (2, 3) and jb.shape == (2, 2)
    np.testing.assert_allclose(ja.numpy(), [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(jb.numpy(), np.diag(X[:2]))


def test_jacobian_leaves_the_input_alone():
    x = f64(X)
    jac = F.jacobian(vector_fn, x)
    assert not x.requires_grad and x.grad is None
    assert not jac.requires_grad


def test_hessian_of_one_input_against_the_closed_form():
    hess = F.hessian(scalar_fn, f64(X))
    assert hess.shape == (3, 3)
    np.testing.assert_allclose(hess.numpy(), scalar_fn_hessian(np.array(X)), rtol=1e-12, atol=1e-15)


def test_hessian_of_a_quadratic_form_is_the_symmetrised_matrix():
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    hess = F.hessian(lambda t: t @ (f64(a) @ t), f64([0.5, -0.5]))
    np.testing.assert_allclose(hess.numpy(), a + a.T)


def test_hessian_of_several_inputs_returns_blocks():
    a, b = f64(X), f64([1.0, 2.0])
    blocks = F.hessian(two_input_fn, (a, b))
    assert [[h.shape for h in row] for row in blocks] == [[(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    ad, bd = np.array(X), np.array([1.0, 2.0])
    # f = Σ_{i<2} a_i e^{b_i} + |a|² Σ b
    np.testing.assert_allclose(blocks[0][0].numpy(), 2 * bd.sum() * np.eye(3))
    d_ab = np.tile(2 * ad[:, None], (1, 2)) + np.vstack([np.diag(np.exp(bd)), np.zeros((1, 2))])
    np.testing.assert_allclose(blocks[0][1].numpy(), d_ab, rtol=1e-12)
    np.testing.assert_allclose(blocks[1][0].numpy(), d_ab.T, rtol=1e-12)
    np.testing.assert_allclose(blocks[1][1].numpy(), np.diag(ad[:2] * np.exp(bd)), rtol=1e-12)


def test_hvp_returns_the_value_and_the_hessian_vector_product():
    value, product = F.hvp(scalar_fn, f64(X), f64(V))
    assert value.shape == () and product.shape == (3,)
    assert value.item() == pytest.approx(float(np.sum(np.sin(X) * np.array(X))), rel=1e-12)
    np.testing.assert_allclose(product.numpy(), scalar_fn_hessian(np.array(X)) @ V, rtol=1e-12)
    assert not value.requires_grad and not product.requires_grad


def test_hvp_agrees_with_the_full_hessian_for_a_coupled_function():
    def f(t):
        return (t * t).sum() * t.sum() + (t[0] * t[1]).exp()

    x, v = f64(X), f64(V)
    _, product = F.hvp(f, x, v)
    np.testing.assert_allclose(product.numpy(), F.hessian(f, x).numpy() @ v.numpy(), rtol=1e-12)


def test_vjp_returns_the_value_and_the_vector_jacobian_product():
    value, product = F.vjp(vector_fn, f64(X), f64(V))
    xd = np.array(X)
    np.testing.assert_allclose(value.numpy(), np.sin(xd) * xd)
    np.testing.assert_allclose(product.numpy(), np.array(V) * (np.sin(xd) + xd * np.cos(xd)), rtol=1e-12)


def test_vjp_of_a_scalar_function_is_the_gradient():
    value, product = F.vjp(scalar_fn, f64(X))
    xd = np.array(X)
    assert value.item() == pytest.approx(float(np.sum(np.sin(xd) * xd)))
    np.testing.assert_allclose(product.numpy(), np.sin(xd) + xd * np.cos(xd), rtol=1e-12)


# ---- PyTorch as an oracle -------------------------------------------------------------------------


def _torch():
    return pytest.importorskip("torch")


def test_against_torch_jacobian_and_hessian():
    torch = _torch()
    x = f64(X)
    tx = torch.tensor(X, dtype=torch.float64)
    np.testing.assert_allclose(
        F.jacobian(vector_fn, x).numpy(),
        torch.autograd.functional.jacobian(lambda t: t.sin() * t, tx).numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        F.hessian(scalar_fn, x).numpy(),
        torch.autograd.functional.hessian(lambda t: (t.sin() * t).sum(), tx).numpy(),
        rtol=1e-12,
        atol=1e-15,
    )


def test_against_torch_hessian_of_two_inputs():
    torch = _torch()
    a, b = f64(X), f64([1.0, 2.0])
    ta, tb = torch.tensor(X, dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)
    ours = F.hessian(two_input_fn, (a, b))
    theirs = torch.autograd.functional.hessian(two_input_fn, (ta, tb))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(ours[i][j].numpy(), theirs[i][j].numpy(), rtol=1e-12)


def test_against_torch_hvp_and_vjp():
    torch = _torch()
    tx, tv = torch.tensor(X, dtype=torch.float64), torch.tensor(V, dtype=torch.float64)
    value, product = F.hvp(scalar_fn, f64(X), f64(V))
    t_value, t_product = torch.autograd.functional.hvp(lambda t: (t.sin() * t).sum(), tx, tv)
    assert value.item() == pytest.approx(t_value.item(), rel=1e-12)
    np.testing.assert_allclose(product.numpy(), t_product.numpy(), rtol=1e-12)

    value, product = F.vjp(vector_fn, f64(X), f64(V))
    t_value, t_product = torch.autograd.functional.vjp(lambda t: t.sin() * t, tx, tv)
    np.testing.assert_allclose(value.numpy(), t_value.numpy(), rtol=1e-12)
    np.testing.assert_allclose(product.numpy(), t_product.numpy(), rtol=1e-12)
