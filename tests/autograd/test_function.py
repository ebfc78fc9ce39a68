"""Custom ``tg.autograd.Function``s, and anomaly detection."""

import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg


class Cube(tg.autograd.Function):
    """y = x³;  dy/dx = 3x²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


class WrongCube(tg.autograd.Function):
    """y = x³ with a deliberately wrong derivative (2x² instead of 3x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x**2


class ScaledProduct(tg.autograd.Function):
    """z = scale · a · b (a Python number among the arguments; broadcasting a against b)."""

    @staticmethod
    def forward(ctx, a, scale, b):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return scale * a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * ctx.scale * b, None, grad * ctx.scale * a


def x64(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.uniform(-2, 2, shape), dtype=tg.float64, requires_grad=True)


def test_cube_forward_and_backward():
    x = tg.tensor([1.0, -2.0, 3.0], dtype=tg.float64, requires_grad=True)
    y = Cube.apply(x)
    np.testing.assert_allclose(y.detach().numpy(), [1.0, -8.0, 27.0])
    assert y.requires_grad and type(y.grad_fn) is Cube and y.grad_fn.name == "CubeBackward"
    assert "Cube" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0, 27.0])


def test_forward_and_backward_receive_tensors():
    seen = []

    class Spy(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append((type(x), tg.is_grad_enabled()))
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            seen.append((type(grad), tg.is_grad_enabled()))
            return grad

    x = tg.ones(2, requires_grad=True)
    Spy.apply(x).sum().backward()
    assert seen == [(tg.Tensor, False)] * 2  # Tensors, with recording off (PyTorch's protocol)


def test_cube_passes_gradcheck_and_gradgradcheck():
    x = x64(4)
    assert tg.gradcheck(Cube.apply, (x,))
    assert tg.gradgradcheck(Cube.apply, (x,))


def test_cube_second_derivative_is_6x():
    x = tg.tensor([1.0, -0.5], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6.0, -3.0])


def test_a_wrong_backward_fails_gradcheck():
    x = x64(3)
    with pytest.raises(tg.GradcheckError, match="input 0"):
        tg.gradcheck(WrongCube.apply, (x,))
    assert tg.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_function_with_a_number_argument_and_broadcasting():
    a = x64(2, 3, seed=1)
    b = x64(3, seed=2)
    z = ScaledProduct.apply(a, 2.5, b)
    np.testing.assert_allclose(z.detach().numpy(), 2.5 * np.asarray(a) * np.asarray(b))
    assert tg.gradcheck(lambda a, b: ScaledProduct.apply(a, 2.5, b), (a, b))
    assert tg.gradgradcheck(lambda a, b: ScaledProduct.apply(a, 2.5, b), (a, b))
    z.sum().backward()
    assert b.grad.shape == (3,)  # the engine summed the broadcast gradient back
    np.testing.assert_allclose(b.grad.numpy(), 2.5 * np.asarray(a).sum(0))


def test_needs_input_grad():
    seen = []

    class Probe(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(tuple(ctx.needs_input_grad))
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Probe.apply(tg.ones(2, requires_grad=True), tg.ones(2))
    assert seen == [(True, False)]


def test_function_applied_without_grad_records_nothing():
    x = x64(3)
    with tg.no_grad():
        y = Cube.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    y = Cube.apply(tg.ones(3, dtype=tg.float64))
    assert not y.requires_grad and y.grad_fn is None


def test_saved_tensors_are_freed_after_backward():
    x = x64(3)
    y = Cube.apply(x)
    ctx = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        ctx.saved_tensors  # noqa: B018


def test_backward_returning_the_wrong_number_of_gradients_raises():
    class TooFew(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    y = TooFew.apply(tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="TooFew") as info:
        y.sum().backward()
    assert "1" in str(info.value) and "2" in str(info.value)


def test_an_integer_output_of_a_custom_function_does_not_require_grad():
    class Above(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x > 1.5).long()

        @staticmethod
        def backward(ctx, grad):
            return grad * 0

    y = Above.apply(tg.tensor([1.2, 2.7], requires_grad=True))
    assert y.dtype == tg.int64
    assert y.tolist() == [0, 1]
    assert not y.requires_grad and y.grad_fn is None  # as PyTorch: integer outputs are not differentiable


# ---- anomaly detection ---------------------------------------------------------------------------


class NanBackward(tg.autograd.Function):
    """Identity forward; a backward that produces NaN."""

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, grad):
        return grad * float("nan")


@pytest.fixture
def anomaly_off_afterwards():
    assert not tg.autograd.is_anomaly_enabled()
    yield
    enabled = tg.autograd.is_anomaly_enabled()
    tg.autograd.set_detect_anomaly(False)
    assert not enabled, "a test left anomaly detection on"


def test_detect_anomaly_names_the_op_and_the_forward_line(anomaly_off_afterwards):
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with tg.autograd.detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        y = x.sqrt()  # d sqrt(x)/dx = inf at 0
        loss = y.sum()
        with pytest.raises(RuntimeError, match="Sqrt") as info, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's divide-by-zero warning
            loss.backward()
    message = str(info.value)
    assert "nan" in message.lower() or "inf" in message.lower()
    assert f"line {line}" in message
    assert __file__ in message or "test_function.py" in message
    assert "x.sqrt()" in message
    assert not tg.autograd.is_anomaly_enabled()  # the context manager restored the mode


def test_set_detect_anomaly_catches_nan_from_a_custom_function(anomaly_off_afterwards):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.set_detect_anomaly(True)
    assert tg.autograd.is_anomaly_enabled()
    try:
        line = inspect.currentframe().f_lineno + 1
        y = NanBackward.apply(x)
        with pytest.raises(RuntimeError, match="NanBackward") as info:
            (y * 2).sum().backward()
    finally:
        tg.autograd.set_detect_anomaly(False)
    assert f"line {line}" in str(info.value)
    assert x.grad is None  # nothing reached the leaf


def test_without_anomaly_detection_nan_flows_silently(anomaly_off_afterwards):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    NanBackward.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_anomaly_detection_names_the_user_line_when_the_project_folder_is_named_tinygrad_edu(
    anomaly_off_afterwards, tmp_path
):
    # A checkout of this repository usually sits in a folder called tinygrad_edu: user code under
    # it (tests, examples, notebooks) must still be recognised as the user's, not the library's.
    script = tmp_path / "tinygrad_edu" / "examples" / "train.py"
    source = "y = x.sqrt()\nloss = y.sum()\n"
    code = compile("\n" * 41 + source, str(script), "exec")
    scope = {"x": tg.tensor([0.0, 1.0], requires_grad=True)}
    with tg.autograd.detect_anomaly():
        exec(code, scope)
        with pytest.raises(RuntimeError, match="Sqrt") as info, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            scope["loss"].backward()
    assert f'"{script}", line 42' in str(info.value)


def test_detect_anomaly_is_also_quiet_when_gradients_are_finite(anomaly_off_afterwards):
    x = tg.tensor([1.0, 4.0], requires_grad=True)
    with tg.autograd.detect_anomaly():
        x.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])
