"""Unary elementwise ops: the forward and the local derivative of each, side by side.

Backward multiplies the incoming gradient by f'(x), written with ``ctx.xp`` functions so it runs
on arrays (first order) and on Tensors (``create_graph=True``) alike.
"""

import math

from ..autograd.function import Op
from ..backend.generator import sampler


class Neg(Op):
    """y = -x;  dy/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Op):
    """y = e^x;  dy/dx = e^x = y."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Op):
    """y = ln x;  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Op):
    """y = ln(1 + x);  dy/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Op):
    """y = e^x − 1;  dy/dx = e^x = y + 1."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Sqrt(Op):
    """y = √x;  dy/dx = 1/(2√x) = 1/(2y)."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2)


class Sin(Op):
    """y = sin x;  dy/dx = cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.cos(x)


class Cos(Op):
    """y = cos x;  dy/dx = −sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(x)


class Tanh(Op):
    """y = tanh x;  dy/dx = 1 − y²."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Op):
    """y = 1/(1 + e^−x);  dy/dx = y(1 − y). Computed from e^−|x| so it never overflows."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Op):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class LeakyRelu(Op):
    """y = x if x > 0 else slope·x;  dy/dx = 1 or slope."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return ctx.xp.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ctx.xp.where(x > 0, grad, grad * ctx.slope), None


class Elu(Op):
    """y = x if x > 0 else α(e^x − 1);  dy/dx = 1 or α e^x = y + α."""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = ctx.xp
        out = xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0)) * alpha)
        ctx.save_for_backward(x, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return ctx.xp.where(x > 0, grad, grad * (out + ctx.alpha)), None


class Gelu(Op):
    """y = x·Φ(x), Φ the normal CDF (PyTorch's exact GELU);  dy/dx = Φ(x) + x·φ(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * (ctx.xp.erf(x * (1 / math.sqrt(2))) + 1) * 0.5

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = ctx.xp
        cdf = (xp.erf(x * (1 / math.sqrt(2))) + 1) * 0.5
        pdf = xp.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        return grad * (cdf + x * pdf)


class Softplus(Op):
    """y = log(1 + e^{βx})/β (linear above the threshold);  dy/dx = sigmoid(βx)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = ctx.xp
        bx = x * beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        smooth = (xp.log1p(xp.exp(-xp.abs(bx))) + xp.maximum(bx, 0)) / beta
        return xp.where(bx > threshold, x, smooth)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = ctx.xp
        bx = x * ctx.beta
        e = xp.exp(-xp.abs(bx))
        sigmoid = xp.where(bx >= 0, 1 / (1 + e), e / (1 + e))
        return xp.where(bx > ctx.threshold, grad, grad * sigmoid), None, None


class Abs(Op):
    """y = |x|;  dy/dx = sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.sign(x)


class Sign(Op):
    """y = sign(x);  dy/dx = 0 everywhere it exists."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Clamp(Op):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo ≤ x ≤ hi, else 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, x, low, high):
        xp = ctx.xp
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        out = x if low is None else xp.maximum(x, low)
        return out if high is None else xp.minimum(out, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = ctx.xp
        if ctx.low is not None:
            grad = xp.where(x >= ctx.low, grad, 0)
        if ctx.high is not None:
            grad = xp.where(x <= ctx.high, grad, 0)
        return grad, None, None


class Reciprocal(Op):
    """y = 1/x;  dy/dx = −1/x² = −y²."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / x
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out


class Cast(Op):
    """y = x converted to another dtype;  the gradient is converted back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return ctx.xp.astype(x, dtype)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.astype(grad, ctx.in_dtype), None


class Clone(Op):
    """y = a copy of x;  dy/dx = 1."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDevice(Op):
    """y = x copied to another device's backend;  the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, target):
        ctx.source, ctx.xp = ctx.xp, target  # from here on, ctx.xp is the output's backend
        return ctx.source.to_backend(x, target)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.to_backend(grad, ctx.source), None


class Erf(Op):
    """y = erf x;  dy/dx = 2/√π · e^(−x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.exp(-(x * x)) * (2 / math.sqrt(math.pi))


class Dropout(Op):
    """y = x · m/(1 − p), each mᵢ = 1 with probability 1 − p, else 0 (inverted dropout, Srivastava et al.
    2014);  dy/dx = m/(1 − p). The mask is drawn inside the op (from ``generator``, a ``tg.Generator``, or
    the backend's stream): a compiled step draws a new one at every replay, as eager mode does."""

    @staticmethod
    def forward(ctx, x, p, generator):
        xp = ctx.xp
        keep = sampler(xp, generator).random(x.shape) >= p
        scale = xp.asarray(xp.astype(keep, x.dtype) * (1.0 / (1.0 - p)))  # 0-d draws come as scalars
        ctx.save_for_backward(scale)
        return x * scale

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        return grad * scale, None, None
