"""PyTorch's custom-Function protocol, exactly: Tensors in forward and backward, several outputs,
non-Tensor arguments, ctx's markers, double backward through Tensor ops, once_differentiable."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd.function import once_differentiable


def x64(*shape, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.uniform(low, high, shape), dtype=tg.float64, requires_grad=True)


# ---- the functions of PyTorch's tutorials, verbatim ------------------------------------------------------


class MyReLU(tg.autograd.Function):
    """ "Learning PyTorch with Examples": the ReLU written as a custom Function."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegendrePolynomial3(tg.autograd.Function):
    """ "Learning PyTorch with Examples": P3(x) = ½(5x³ − 3x), P3'(x) = 1.5(5x² − 1)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def test_pytorch_relu_function_forward_backward():
    x = tg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = MyReLU.apply(x)
    np.testing.assert_allclose(y.detach().numpy(), [0.0, 0.5, 2.0])
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 2.0, 3.0])
    assert tg.gradcheck(MyReLU.apply, (x64(5).detach().abs().add_(0.1).requires_grad_(),))


def test_legendre_passes_gradcheck_and_gradgradcheck():
    x = x64(6)
    assert tg.gradcheck(LegendrePolynomial3.apply, (x,))
    assert tg.gradgradcheck(LegendrePolynomial3.apply, (x,))  # backward is made of Tensor ops


LEGENDRE_PROGRAM = """
dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(STEPS):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
result = (loss.item(), a.item(), b.item(), c.item(), d.item())
"""

RELU_PROGRAM = """
dtype = torch.float
device = torch.device("cpu")
N, D_in, H, D_out = 64, 1000, 100, 10
x = torch.randn(N, D_in, device=device, dtype=dtype)
y = torch.randn(N, D_out, device=device, dtype=dtype)
w1 = torch.randn(D_in, H, device=device, dtype=dtype, requires_grad=True)
w2 = torch.randn(H, D_out, device=device, dtype=dtype, requires_grad=True)
learning_rate = 1e-6
for t in range(STEPS):
    relu = MyReLU.apply
    y_pred = relu(x.mm(w1)).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
result = (loss.item(),)
"""


def _torch_version_of(function_class, torch):
    """The same class body on torch.autograd.Function (the tutorial's code, for the oracle)."""
    return type(function_class.__name__, (torch.autograd.Function,), {
        "forward": function_class.__dict__["forward"],
        "backward": function_class.__dict__["backward"],
    })  # fmt: skip


def _run(program, torch, steps, functions, randn=None):
    scope = {"torch": torch, "math": math, "STEPS": steps, **functions}
    if randn is not None:
        scope["torch"] = _WithRandn(torch, randn)
    exec(program, scope)
    return scope["result"]


class _WithRandn:
    """The module, with ``randn`` drawing from a shared NumPy stream (same data in both frameworks)."""

    def __init__(self, module, stream):
        self._module, self._stream = module, stream

    def __getattr__(self, name):
        return getattr(self._module, name)

    def randn(self, *shape, requires_grad=False, **kwargs):
        data = self._stream.standard_normal(shape).astype(np.float32)
        return self._module.tensor(data, requires_grad=requires_grad)


def test_legendre_tutorial_program_runs_unchanged():
    loss, _, b, _, _ = _run(LEGENDRE_PROGRAM, tg, 300, {"LegendrePolynomial3": LegendrePolynomial3})
    assert loss < 150 and b < -1.5  # it learns: 462 after one step, 100.7 after 300 (as PyTorch)


def test_tutorial_programs_reach_pytorchs_final_loss():
    torch = pytest.importorskip("torch")
    ours = _run(LEGENDRE_PROGRAM, tg, 2000, {"LegendrePolynomial3": LegendrePolynomial3})
    theirs = _run(
        LEGENDRE_PROGRAM, torch, 2000, {"LegendrePolynomial3": _torch_version_of(LegendrePolynomial3, torch)}
    )
    np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-5)
    ours = _run(RELU_PROGRAM, tg, 200, {"MyReLU": MyReLU}, np.random.default_rng(0))
    theirs = _run(
        RELU_PROGRAM, torch, 200, {"MyReLU": _torch_version_of(MyReLU, torch)}, np.random.default_rng(0)
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)


# ---- several outputs, non-Tensor arguments, ctx's markers -------------------------------------------------


class SinCos(tg.autograd.Function):
    """Two outputs: (sin x, cos x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


def test_two_outputs_each_with_its_gradient():
    x = x64(4)
    s, c = SinCos.apply(x)
    assert s.grad_fn is c.grad_fn
    (2 * s + 3 * c).sum().backward()
    xd = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xd) - 3 * np.sin(xd))
    assert tg.gradcheck(lambda x: SinCos.apply(x), (x64(3),))
    assert tg.gradgradcheck(lambda x: SinCos.apply(x), (x64(3),))


def test_an_unused_output_gets_zeros_or_none():
    seen = []

    class Split(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append(g2 if g2 is None else g2.tolist())
            return g1 * 2 + (0 if g2 is None else g2 * 3), None

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Split.apply(x, True)[0].sum().backward()
    Split.apply(x, False)[0].sum().backward()
    assert seen == [[0.0, 0.0], None]
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_non_tensor_arguments_pass_through_and_get_none():
    class Scale(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor, shift, dims):
            ctx.factor = factor
            assert isinstance(factor, float) and shift is None and dims == (0, 1)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None, None, None

    x = x64(2, 3)
    assert tg.gradcheck(lambda x: Scale.apply(x, 2.5, None, (0, 1)), (x,))
    assert tg.gradgradcheck(lambda x: Scale.apply(x, 2.5, None, (0, 1)), (x,))


def test_a_gradient_for_a_non_tensor_argument_raises():
    class Bad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match=r"BadBackward.*position 1"):
        Bad.apply(tg.ones(2, requires_grad=True), 3.0).sum().backward()


def test_needs_input_grad_and_mark_non_differentiable():
    class SortWithIndices(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.seen = ctx.needs_input_grad
            order = x.argmax(dim=0, keepdim=True)
            ctx.mark_non_differentiable(order)
            return x * y, order

        @staticmethod
        def backward(ctx, grad, grad_order):
            return grad, None

    x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    values, order = SortWithIndices.apply(x, tg.ones(3))
    assert values.grad_fn.seen == (True, False)
    assert not order.requires_grad and order.grad_fn is None
    values.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_mark_non_differentiable_on_a_float_output():
    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).float()
            ctx.mark_non_differentiable(mask)
            return x * 2, mask

        @staticmethod
        def backward(ctx, grad, grad_mask):
            return grad * 2

    y, mask = Twice.apply(tg.tensor([1.0, -1.0], requires_grad=True))
    assert y.requires_grad and not mask.requires_grad


def test_mark_dirty_changes_the_input_in_place():
    class AddOne_(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    w = tg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    alias = h
    out = AddOne_.apply(h)
    assert out is h and alias.grad_fn.name == "AddOne_Backward"
    np.testing.assert_allclose(alias.detach().numpy(), [4.0, 7.0])
    (out * out).sum().backward()  # d/dw (3w + 1)² = 6(3w + 1)
    np.testing.assert_allclose(w.grad.numpy(), [24.0, 42.0])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        AddOne_.apply(tg.tensor([1.0], requires_grad=True))


def test_mark_dirty_with_an_earlier_consumer_matches_pytorch():
    torch = pytest.importorskip("torch")

    def program(lib, function_base):
        class Double_(function_base):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        w = lib.tensor([1.0, 2.0], requires_grad=True)
        h = w * 3
        before = h + 1  # used h before the change
        Double_.apply(h)
        (before * h).sum().backward()
        return w.grad.numpy()

    np.testing.assert_allclose(program(tg, tg.autograd.Function), program(torch, torch.autograd.Function))


# ---- double backward, once_differentiable ---------------------------------------------------------------


class DetachedCube(tg.autograd.Function):
    """Right first derivative, but backward leaves the graph (numbers taken out of the Tensors)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * tg.tensor(x.detach().numpy() ** 2)


def test_gradgradcheck_catches_a_backward_that_detaches():
    x = x64(3)
    assert tg.gradcheck(DetachedCube.apply, (x,))
    with pytest.raises(tg.GradcheckError):
        tg.gradgradcheck(DetachedCube.apply, (x,))


def test_second_derivative_through_a_saved_output():
    class Exp(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    x = x64(3, low=-1, high=1)
    assert tg.gradgradcheck(Exp.apply, (x,))
    (g,) = tg.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.exp(x.detach().numpy()))


class OnceCube(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        assert not tg.is_grad_enabled()
        return grad * 3 * x**2


def test_once_differentiable_first_derivative_works_second_raises():
    x = x64(3)
    assert tg.gradcheck(OnceCube.apply, (x,))
    v = tg.ones(3, dtype=tg.float64, requires_grad=True)  # a seed in the graph, as gradgradcheck's
    (g,) = tg.autograd.grad(OnceCube.apply(x), x, v, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    with pytest.raises(RuntimeError, match=r"once_differentiable.*OnceCubeBackward"):
        g.sum().backward()
    with pytest.raises(RuntimeError, match="once_differentiable"):
        tg.gradgradcheck(OnceCube.apply, (x,))


# ---- what is checked ----------------------------------------------------------------------------------


def test_wrong_number_of_gradients_names_the_function():
    class TooMany(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match=r"TooManyBackward.*expected 1, got 2"):
        TooMany.apply(tg.ones(2, requires_grad=True)).sum().backward()


@pytest.mark.parametrize("shape", [(3,), (1,), (2, 3)])
def test_a_gradient_of_the_wrong_shape_raises(shape):
    class WrongShape(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return tg.ones(*shape)

    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongShapeBackward returned an invalid gradient at index 0"):
        WrongShape.apply(x).sum().backward()
    assert x.grad is None


def test_a_broadcast_gradient_is_summed_back():
    class Wide(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.expand(4, 2) * 2  # shaped like the broadcast result: summed, as PyTorch

    x = tg.ones(2, requires_grad=True)
    Wide.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0])


def test_backward_returning_an_array_raises_type_error():
    class Arrays(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.numpy()

    with pytest.raises(TypeError, match=r"ArraysBackward.*ndarray"):
        Arrays.apply(tg.ones(2, requires_grad=True)).sum().backward()


def test_save_for_backward_refuses_non_tensors():
    class SavesNumber(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match=r"SavesNumber.save_for_backward.*argument 1.*int"):
        SavesNumber.apply(tg.ones(2, requires_grad=True))


def test_a_saved_input_changed_in_place_makes_backward_raise():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = MyReLU.apply(h)
    h += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_hook_changing_the_size_of_the_gradient_raises():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g[:2])
    with pytest.raises(RuntimeError, match=r"hook .* has changed the size of value"):
        y.sum().backward()


def test_the_output_of_a_function_without_grad_is_plain():
    y = SinCos.apply(tg.ones(2))
    assert all(not t.requires_grad and t.grad_fn is None for t in y)


def test_xp_names_without_a_graph_form_raise_clearly_under_create_graph():
    from tinygrad_edu.autograd.function import Op

    class Positive(Op):  # the library's array convention: ctx.xp is NumPy, or graph_ops
        @staticmethod
        def forward(ctx, x):
            return ctx.xp.positive(x) * 2

        @staticmethod
        def backward(ctx, grad):
            return ctx.xp.positive(grad) * 2

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad(Positive.apply(x).sum(), x)  # first order: any array function works
    np.testing.assert_allclose(g.numpy(), [2.0, 2.0])
    with pytest.raises(AttributeError, match=r"ctx.xp.positive.*create_graph=True"):
        tg.autograd.grad(Positive.apply(x).sum(), x, create_graph=True)
