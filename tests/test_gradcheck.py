"""tg.gradcheck, tg.gradgradcheck and tg.numerical_grad."""

import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg


def x64(*shape, seed=0, low=-2.0, high=2.0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.uniform(low, high, shape), dtype=tg.float64, requires_grad=requires_grad)


class Square(tg.autograd.Function):
    """y = x²;  dy/dx = 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


class OffByOneElement(tg.autograd.Function):
    """y = 3x, with a backward that is wrong only at element (1, 2): 4 instead of 3."""

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, grad):
        scale = ctx.xp.where(ctx.mask, 4.0, 3.0) if hasattr(ctx, "mask") else 3.0
        return grad * scale

    @classmethod
    def apply(cls, x):
        out = super().apply(x)
        if out.grad_fn is not None:
            mask = np.zeros(x.shape, dtype=bool)
            mask[1, 2] = True
            out.grad_fn.mask = mask
        return out


class DetachedSquare(tg.autograd.Function):
    """y = x², whose backward is right at first order but uses a copy of x that the graph of the
    backward pass cannot see: its own derivative (the second derivative 2) comes out as 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.x_copy = x.detach().clone()
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return grad * 2 * ctx.x_copy


# ---- gradcheck ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda x: x.sin() * x, [(3,)]),
        (lambda x: (x * x).sum(), [(2, 3)]),
        (lambda a, b: a @ b, [(2, 3), (3, 4)]),
        (lambda a, b: (a * b).exp(), [(2, 3), (3,)]),  # broadcasting
        (lambda x: x.softmax(1), [(2, 4)]),
        (lambda a, b: (a + b, a * b), [(3,), (3,)]),  # a tuple of outputs
        (Square.apply, [(4,)]),
    ],
)
def test_gradcheck_returns_true_on_correct_ops(fn, shapes):
    inputs = [x64(*shape, seed=i) for i, shape in enumerate(shapes)]
    assert tg.gradcheck(fn, inputs) is True
    assert tg.gradcheck(fn, tuple(inputs), raise_exception=False) is True


def test_gradcheck_accepts_a_single_tensor_and_skips_inputs_without_grad():
    x = x64(3)
    constant = x64(3, seed=1, requires_grad=False)
    assert tg.gradcheck(lambda x: x.exp(), x)
    assert tg.gradcheck(lambda x, c: x * c, (x, constant))


def test_gradcheck_does_not_change_the_inputs_or_their_grads():
    x = x64(3)
    before = np.asarray(x).copy()
    tg.gradcheck(lambda x: x.sin(), (x,))
    np.testing.assert_array_equal(np.asarray(x), before)
    assert x.grad is None


def test_gradcheck_error_names_the_input_output_element_and_both_values():
    x = x64(2, 3)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(OffByOneElement.apply, (x,))
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "input 0" in message and "output 0" in message
    assert "output(1, 2)" in message and "input(1, 2)" in message  # the worst element
    assert re.search(r"analytical 4(\.0*)?\b", message), message
    assert re.search(r"numerical 3(\.0*)?\b", message), message


def test_gradcheck_names_the_second_input_and_output():
    a, b = x64(3, seed=1), x64(2, 3, seed=2)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda a, b: (a * 2, OffByOneElement.apply(b)), (a, b))
    message = str(info.value)
    assert "input 1" in message and "output 1" in message and "(1, 2)" in message


def test_gradcheck_raise_exception_false_returns_false():
    x = x64(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.gradcheck(OffByOneElement.apply, (x,), raise_exception=False) is False


def test_gradcheck_catches_a_wrong_broadcast_gradient():
    class BadBroadcast(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad * 0.5

    with pytest.raises(tg.GradcheckError, match="input 1"):
        tg.gradcheck(BadBroadcast.apply, (x64(2, 3), x64(3, seed=1)))


def test_gradcheck_warns_when_inputs_are_not_float64():
    x = tg.tensor([0.5, 1.0, 1.5], requires_grad=True)  # float32
    with pytest.warns(UserWarning, match="float64") as record:
        tg.gradcheck(lambda x: x * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)
    assert "float32" in str(record[0].message) and "input 0" in str(record[0].message)


def test_gradcheck_does_not_warn_for_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.gradcheck(lambda x: x * 2, (x64(3),))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="require"):
        tg.gradcheck(lambda x: x * 2, (x64(3, requires_grad=False),))


def test_gradcheck_of_a_function_that_does_not_return_a_tensor_raises():
    with pytest.raises(TypeError, match="output 0"):
        tg.gradcheck(lambda x: 3.0, (x64(2),))


def test_gradcheck_tolerances():
    class Slightly(tg.autograd.Function):
        """y = x², with a derivative 0.5% too large."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2.01 * x

    x = x64(3)
    assert not tg.gradcheck(Slightly.apply, (x,), raise_exception=False)
    assert tg.gradcheck(Slightly.apply, (x,), atol=1e-3, rtol=1e-2)


# ---- gradgradcheck ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda x: x.sin() * x, [(3,)]),
        (lambda a, b: (a @ b).tanh(), [(2, 3), (3, 2)]),
        (lambda x: x.softmax(0), [(4,)]),
        (Square.apply, [(3,)]),
    ],
)
def test_gradgradcheck_returns_true_on_correct_ops(fn, shapes):
    inputs = [x64(*shape, seed=i) for i, shape in enumerate(shapes)]
    assert tg.gradgradcheck(fn, inputs) is True


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = x64(3)
    assert tg.gradcheck(DetachedSquare.apply, (x,))  # first derivatives are right
    with pytest.raises(tg.GradcheckError, match="input 0") as info:
        tg.gradgradcheck(DetachedSquare.apply, (x,))
    assert "analytical 0 " in str(info.value)
    assert tg.gradgradcheck(DetachedSquare.apply, (x,), raise_exception=False) is False
    assert tg.gradgradcheck(Square.apply, (x,))  # the same op, written to be differentiated again


def test_gradgradcheck_with_given_grad_outputs():
    x = x64(3)
    v = tg.tensor([1.0, -1.0, 0.5], dtype=tg.float64, requires_grad=True)
    assert tg.gradgradcheck(lambda x: x.exp() * x, (x,), grad_outputs=(v,))


# ---- numerical_grad ---------------------------------------------------------------------------------


def test_numerical_grad_central_differences():
    x = tg.tensor([0.5, 1.0, -2.0], dtype=tg.float64)
    grad = tg.numerical_grad(lambda t: (t.exp() * t).sum(), x)
    assert isinstance(grad, np.ndarray) and grad.shape == (3,)
    np.testing.assert_allclose(grad, np.exp(np.asarray(x)) * (1 + np.asarray(x)), rtol=1e-8)
    np.testing.assert_array_equal(np.asarray(x), [0.5, 1.0, -2.0])  # restored


def test_numerical_grad_is_more_accurate_central_than_forward():
    x = tg.tensor([0.3, 0.9], dtype=tg.float64)
    exact = np.exp(np.asarray(x))
    for eps in (1e-2, 1e-3, 1e-4):
        central = tg.numerical_grad(lambda t: t.exp().sum(), x, eps=eps, method="central")
        forward = tg.numerical_grad(lambda t: t.exp().sum(), x, eps=eps, method="forward")
        central_error = np.abs(central - exact).max()
        forward_error = np.abs(forward - exact).max()
        assert central_error < forward_error / 10
        assert forward_error == pytest.approx(eps / 2 * exact.max(), rel=0.1)  # O(eps)
        assert central_error == pytest.approx(eps**2 / 6 * exact.max(), rel=0.1)  # O(eps²)


def test_numerical_grad_of_a_matrix_input_and_arrays():
    x = tg.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=tg.float64)
    grad = tg.numerical_grad(lambda t: (t * t).sum(), x)
    assert grad.shape == (2, 3)
    np.testing.assert_allclose(grad, 2 * np.asarray(x), atol=1e-8)
    from_array = tg.numerical_grad(lambda t: (t * t).sum(), np.array([1.0, 2.0]))
    np.testing.assert_allclose(from_array, [2.0, 4.0], atol=1e-8)


def test_numerical_grad_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="method"):
        tg.numerical_grad(lambda t: t.sum(), tg.tensor([1.0], dtype=tg.float64), method="backward")


def test_numerical_grad_matches_autograd():
    x = x64(4)
    (x.sin() * x.exp()).sum().backward()
    numeric = tg.numerical_grad(lambda t: (t.sin() * t.exp()).sum(), x.detach())
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-7, atol=1e-9)
