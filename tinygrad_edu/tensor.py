"""``Tensor``: an array that remembers how it was computed, so gradients can flow back through it.

A tensor holds ``data`` (a NumPy array on "cpu"), and, if it was made by an op while recording,
``grad_fn``: the op (``Op`` or ``Function`` instance) that made it, which links to its inputs. ``backward()``
walks those links in reverse (``autograd/engine.py``).

This file is the API table: every operator and method is a line or two that names its op (``ops/``,
a ``Function`` with a backward) or its composition (``compositions.py``, built from ops, so it needs
no backward of its own). Argument checks live in ``arguments.py``, dtype promotion in ``dtypes.py``,
operand handling and comparisons in ``operators.py``, in-place machinery in ``autograd/inplace.py``.
"""

import collections
import math
import operator

from . import backend as _backend_module
from . import dtypes
from .dtypes import _conversion, _floating, _promoted, _require_float, _same_float_dtype  # noqa: F401
from .hooks import RemovableHandle
from .jit import tape

_BY_ARRAY_TYPE = _backend_module._BY_ARRAY_TYPE  # read directly: every op asks for its backend
_new = object.__new__
# Every Tensor holds these; _make gives each its first value (adding one is an edit there and here).
_STATE = ("_ctx", "_data", "_grad", "_hooks", "_requires_grad", "_retains_grad", "_version_cell")
ValuesIndices = collections.namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "``(values, indices)`` of max/min/sort/topk along a dim, as PyTorch's named tuples."


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Every operation on tensors that require grad is recorded: the result's ``grad_fn`` is the op
    that made it, holding its inputs. ``backward()`` walks those records back from a scalar and
    leaves ∂(scalar)/∂(leaf) in the ``.grad`` of every leaf tensor that requires grad.

    Args:
        data: nested lists, a number, a NumPy (or, for "cuda", CuPy) array, or another Tensor; the
            values are copied (``tg.from_numpy`` wraps an array without copying).
        requires_grad: record operations on this tensor, to compute gradients with respect to it.
            Default False.
        dtype: the element type (``tg.float32``, ...); default float32 for floats (a float64 array
            keeps float64), int64 for integers, bool for bools.
        device: ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy); default ``tg.get_default_device()``.

    Attributes:
        data: the backend array (``t.data = other`` makes ``t`` share ``other``'s array).
        shape: the size of each dimension, as a tuple; ``ndim`` is their number.
        dtype: the element type (a NumPy dtype, e.g. ``tg.float32``).
        device: where the data lives: ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy).
        requires_grad: whether operations on this tensor are recorded for gradients.
        grad: the accumulated gradient (a Tensor), or None before any backward.
        is_leaf: True for tensors not made by a recorded op (``retains_grad``: kept by a non-leaf).
        T: the tensor with its dims reversed; ``mT`` transposes the last two.

    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad                       # d/dx Σ x² = 2x
    tensor([2., 4., 6.], shape=(3,), dtype=float32, device='cpu')
    """

    __slots__ = ("__weakref__", *_STATE)
    __hash__ = object.__hash__  # tensors are dict keys by identity (== is elementwise)
    __array_priority__ = 1000  # cupy_array * tensor calls Tensor.__rmul__ (NumPy: see __array_ufunc__)

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        self._adopt(Tensor._make(conversion.to_array(data, dtype, device)))
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad=False, ctx=None, version_cell=None):
        """Wrap a backend array without copying or checks (the fast path every op uses). The one
        place that gives each slot its first value (``__init__`` and ``Parameter`` ``_adopt`` them)."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._ctx = ctx  # the op that made this tensor (None for a leaf)
        t._grad = None
        t._version_cell = [0] if version_cell is None else version_cell  # shared with views
        t._hooks = None
        t._retains_grad = False
        return t

    def _adopt(self, made):
        """Take every slot's value from ``made`` (a tensor from ``_make``)."""
        for name in _STATE:
            setattr(self, name, getattr(made, name))

    def _backend(self):
        """The array namespace holding this tensor's data."""
        return _BY_ARRAY_TYPE[type(self._data)]

    def _like(self, value):
        """``value`` (a number, list or array) as a tensor on this tensor's device."""
        return value if isinstance(value, Tensor) else Tensor(value, device=self.device)

    # ---- attributes --------------------------------------------------------------------------------

    def _set_data(self, value):
        tape.refuse("a tensor's .data is assigned (p.data -= ...): the replay would not see it")
        self._data = conversion.data_array(value)

    # The backend array; ``t.data = other`` shares other's array. Read through attrgetter (C code):
    # every op reads it.
    data = property(operator.attrgetter("_data"), _set_data)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        """NumPy's ufuncs on tensors: operators stay Tensor operators (``conversion.array_ufunc``)."""
        return conversion.array_ufunc(ufunc, method, inputs, out, kwargs)

    __cuda_array_interface__ = property(lambda self: conversion.cuda_array_interface(self))

    shape = property(lambda self: self._data.shape, doc="The size of each dimension, as a tuple.")
    ndim = property(lambda self: self._data.ndim, doc="The number of dimensions.")
    dtype = property(lambda self: self._data.dtype, doc="The element type (a NumPy dtype).")
    device = property(lambda self: _backend_module.device(self._backend().name), doc="Where the data is.")
    is_leaf = property(lambda self: self._ctx is None, doc="True for tensors not made by a recorded op.")
    retains_grad = property(lambda self: self._retains_grad, doc="Whether retain_grad() was called.")
    _version = property(lambda self: self._version_cell[0], doc="How many in-place changes the data had.")
    T = property(lambda self: self.permute(*range(self.ndim - 1, -1, -1)), doc="The dims reversed.")
    mT = property(lambda self: self.transpose(-2, -1), doc="The transpose of the last two dims.")

    def _set_grad(self, value):
        tape.refuse("a tensor's .grad is assigned (use zero_grad, which a replay repeats)")
        self._grad = _checked_grad(self, value)

    grad = property(operator.attrgetter("_grad"), _set_grad, doc="The accumulated gradient, or None.")

    @property
    def grad_fn(self):
        """The op that produced this tensor (None for leaves); for an output of a user's Function
        with several outputs, that Function (PyTorch shows one node for all of them)."""
        ctx = self._ctx
        return ctx.function if type(ctx) is FunctionOutput else ctx

    def size(self, dim=None):
        """The shape, or the size of dimension ``dim``."""
        return self.shape if dim is None else self.shape[_dim(dim, self.ndim, "size")]

    def dim(self):
        """The number of dimensions."""
        return self.ndim

    def numel(self):
        """The number of elements."""
        return self._data.size

    nelement = numel

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # ---- conversion --------------------------------------------------------------------------------

    def numpy(self):
        """The data as a NumPy array (shared on "cpu"; a host copy for "cuda")."""
        return conversion.host_array(self, "numpy")

    def __array__(self, dtype=None, copy=None):
        conversion.read_by_python("__array__")
        array = self._backend().to_numpy(self._data)
        return array if dtype is None else array.astype(dtype)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return conversion.single_value(self, "item")

    def tolist(self):
        """The data as (nested) Python lists."""
        conversion.read_by_python("tolist")
        return self._data.tolist()

    def __format__(self, format_spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats its number; other tensors format as their repr."""
        return self.item().__format__(format_spec) if self.ndim == 0 else object.__format__(self, format_spec)

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())

    __index__ = lambda self: conversion.single_value(self, "index")

    __bool__ = lambda self: bool(conversion.single_value(self, "bool"))

    def to(self, *args, dtype=None, device=None):
        """The tensor on another device and/or with another dtype: ``t.to("cpu")``, ``t.to(tg.float64)``."""
        return compositions.to(self, args, dtype, device)

    cpu = _conversion("cpu", "cpu", "The tensor on the CPU.")
    cuda = _conversion("cuda", "cuda", "The tensor on the GPU (needs CuPy).")
    float = _conversion("float", dtypes.float32, "The tensor as float32.")
    double = _conversion("double", dtypes.float64, "The tensor as float64.")
    half = _conversion("half", dtypes.float16, "The tensor as float16.")
    long = _conversion("long", dtypes.int64, "The tensor as int64.")
    int = _conversion("int", dtypes.int32, "The tensor as int32.")
    bool = _conversion("bool", dtypes.bool, "The tensor as bool.")

    def type(self, dtype=None):
        """The dtype's name, or the tensor converted to ``dtype``."""
        return str(self.dtype) if dtype is None else self.to(dtype)

    def detach(self):
        """The same data, cut from the graph (shares memory and the version counter)."""
        return Tensor._make(self._data, False, None, self._version_cell)

    def detach_(self):
        """Cut this tensor from the graph in place."""
        self._ctx, self._requires_grad = None, False
        return self

    def clone(self):
        """A copy of the data that stays in the graph (gradients flow back to the original)."""
        return Clone.apply(self)

    def contiguous(self):
        """The tensor itself: memory layout is the array library's business here, and every op
        accepts any layout (PyTorch needs this before ``view``; this library does not)."""
        return self

    # ---- autograd ------------------------------------------------------------------------------------

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this tensor for gradients; returns self."""
        self._requires_grad = _checked_requires_grad(self, requires_grad)
        return self

    requires_grad = property(
        operator.attrgetter("_requires_grad"), requires_grad_, doc="Record ops for grads?"
    )

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        if self._ctx is not None:
            self._retains_grad = True

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it.

        >>> h = x.register_hook(lambda g: g * 2)   # doubles the gradient flowing through x
        >>> h.remove()
        """
        if not self._requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        if not callable(hook):  # caught now, not in the middle of a later backward
            raise TypeError(f"register_hook: the hook must be callable, got {type(hook).__name__} {hook!r}")
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate ∂self/∂leaf into ``.grad`` of every leaf that requires grad (the chain rule, backwards).

        Gradients add up across calls, as in PyTorch: zero them (``optimizer.zero_grad()``) between
        steps. Non-leaf tensors keep no ``.grad`` unless ``retain_grad()`` was called.

        Args:
            gradient: ∂L/∂self, the gradient to start from; needed when ``self`` is not a scalar
                (then the leaves receive the vector-Jacobian product gradientᵀ·∂self/∂leaf).
                Default None: 1 for a scalar.
            retain_graph: keep the graph's saved values so that backward can run through it again.
                Default False: they are freed, and a second backward raises.
            create_graph: record the backward pass itself, so that the gradients have ``grad_fn``s
                and can be differentiated again (Hessian-vector products, gradient penalties).
                Default False.
            inputs: only these leaves receive gradients. Default None: every leaf that requires grad.
        """
        engine.backward(self, gradient, bool(retain_graph), create_graph, inputs)

    __repr__ = lambda self: conversion.tensor_repr(self)

    # ---- arithmetic ----------------------------------------------------------------------------------

    __add__ = lambda self, other: _binary(Add, self, other)
    __radd__ = lambda self, other: _binary(Add, self, other, reflected=True)
    __sub__ = lambda self, other: _binary(Sub, self, other)
    __rsub__ = lambda self, other: _binary(Sub, self, other, reflected=True)
    __rmul__ = lambda self, other: _binary(Mul, self, other, reflected=True)
    __rtruediv__ = lambda self, other: _binary(Div, *_true_division_operands(self, other), reflected=True)
    __rpow__ = lambda self, base: _binary(Pow, self, base, reflected=True)
    __rmatmul__ = lambda self, other: linalg.matmul(self._like(other), self)
    __pos__ = lambda self: self

    def add(self, other, alpha=1):
        """self + alpha · other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self − alpha · other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self · other, elementwise with broadcasting."""
        return _binary(Mul, self, other)

    def div(self, other):
        """self / other (true division: integers give float32)."""
        return _binary(Div, *_true_division_operands(self, other))

    def pow(self, exponent):
        """self ** exponent."""
        return _binary(Pow, self, exponent)

    def neg(self):
        """−x, elementwise; derivative −1."""
        return Neg.apply(self)

    __neg__ = negative = neg
    __truediv__ = divide = true_divide = div
    __mul__ = multiply = mul
    __pow__ = pow
    subtract = sub

    def matmul(self, other):
        """Matrix product with ``numpy.matmul``'s rules: 1-D, 2-D and broadcast batches of matrices."""
        return linalg.matmul(self, other)

    __matmul__ = matmul

    def mm(self, other):
        """The product of two matrices (both 2-D)."""
        return linalg.fixed_rank_product(self, other, 2, "mm", "2-D tensors")

    def bmm(self, other):
        """The product of two batches of matrices (both 3-D)."""
        return linalg.fixed_rank_product(self, other, 3, "bmm", "3-D tensors")

    def dot(self, other):
        """The inner product of two 1-D tensors."""
        return linalg.fixed_rank_product(self, other, 1, "dot", "1-D tensors")

    # ---- comparisons and logic (no gradient) ---------------------------------------------------------

    def eq(self, other):
        """Elementwise ==, as a bool tensor."""
        return _compare(self, other, "eq")

    def ne(self, other):
        """Elementwise !=, as a bool tensor."""
        return _compare(self, other, "ne")

    def lt(self, other):
        """Elementwise <, as a bool tensor."""
        return _compare(self, other, "lt")

    def le(self, other):
        """Elementwise <=, as a bool tensor."""
        return _compare(self, other, "le")

    def gt(self, other):
        """Elementwise >, as a bool tensor."""
        return _compare(self, other, "gt")

    def ge(self, other):
        """Elementwise >=, as a bool tensor."""
        return _compare(self, other, "ge")

    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = eq, ne, lt, le, gt, ge

    __and__ = __rand__ = lambda self, other: _compare(self, other, "and")
    __or__ = __ror__ = lambda self, other: _compare(self, other, "or")
    __xor__ = lambda self, other: _compare(self, other, "xor")

    __invert__ = lambda self: _invert(self)

    def logical_not(self):
        """Elementwise not, as a bool tensor."""
        return Tensor._make(self._backend().asarray(self._data == 0))

    def logical_and(self, other):
        """Elementwise and of truth values."""
        return self.bool() & self._like(other).bool()

    def logical_or(self, other):
        """Elementwise or of truth values."""
        return self.bool() | self._like(other).bool()

    def isnan(self):
        """Where the elements are NaN."""
        return Tensor._make(self._backend().asarray(self._data != self._data))

    def isfinite(self):
        """Where the elements are neither infinite nor NaN."""
        return Tensor._make(self._backend().asarray(self._backend().isfinite(self._data)))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Where |self − other| ≤ atol + rtol · |other| (equal infinities are close), as a bool tensor."""
        return compositions.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True when every element is close to ``other``'s: ``isclose(...).all()`` as a Python bool."""
        return bool(self.isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan).all())

    def equal(self, other):
        """True when both tensors have the same shape and elements."""
        return compositions.equal(self, other)

    # ---- elementwise math -----------------------------------------------------------------------------

    def exp(self):
        """eˣ, elementwise; derivative eˣ."""
        return Exp.apply(_floating(self))

    def log(self):
        """The natural logarithm."""
        return Log.apply(_floating(self))

    def log2(self):
        """log₂ x = ln x / ln 2;  d/dx = 1 / (x ln 2)."""
        return Log.apply(_floating(self)) * (1 / math.log(2.0))

    def log10(self):
        """log₁₀ x = ln x / ln 10;  d/dx = 1 / (x ln 10)."""
        return Log.apply(_floating(self)) * (1 / math.log(10.0))

    def log1p(self):
        """ln(1 + x), accurate for small x."""
        return Log1p.apply(_floating(self))

    def expm1(self):
        """e^x − 1, accurate for small x."""
        return Expm1.apply(_floating(self))

    def sqrt(self):
        """√x, elementwise; derivative 1/(2√x)."""
        return Sqrt.apply(_floating(self))

    def rsqrt(self):
        """1/√x, elementwise; derivative −1/(2x√x)."""
        return _floating(self) ** -0.5

    def sin(self):
        """sin x, elementwise (radians); derivative cos x."""
        return Sin.apply(_floating(self))

    def cos(self):
        """cos x, elementwise (radians); derivative −sin x."""
        return Cos.apply(_floating(self))

    def tanh(self):
        """The hyperbolic tangent."""
        return Tanh.apply(_floating(self))

    def sigmoid(self):
        """1/(1 + e^−x), computed without overflow."""
        return Sigmoid.apply(_floating(self))

    def erf(self):
        """The error function; derivative 2/√π · e^(−x²)."""
        return Erf.apply(_floating(self))

    def relu(self):
        """max(x, 0), elementwise; derivative 1 where x > 0, else 0."""
        return Relu.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """x if x > 0 else negative_slope · x."""
        return LeakyRelu.apply(self, negative_slope)

    def elu(self, alpha=1.0):
        """x if x > 0 else alpha · (e^x − 1)."""
        return Elu.apply(_floating(self), alpha)

    def gelu(self, approximate="none"):
        """x · Φ(x) (``approximate="tanh"`` for the tanh formula of Hendrycks & Gimpel 2016)."""
        return compositions.gelu(_floating(self), approximate)

    def softplus(self, beta=1.0, threshold=20.0):
        """log(1 + e^{βx})/β, linear where βx > threshold."""
        return Softplus.apply(_floating(self), beta, threshold)

    def abs(self):
        """|x|, elementwise; derivative sign(x) (0 at x = 0)."""
        return Abs.apply(self)

    __abs__ = absolute = abs

    def sign(self):
        """−1, 0 or 1 by the sign of x."""
        return Sign.apply(self)

    def clamp(self, min=None, max=None):
        """x limited to [min, max] (either may be None; tensors allowed)."""
        return compositions.clamp(self, min, max)

    clip = clamp

    def reciprocal(self):
        """1/x, elementwise; derivative −1/x²."""
        return Reciprocal.apply(_floating(self))

    def square(self):
        """x², elementwise; derivative 2x."""
        return self * self

    def maximum(self, other):
        """The elementwise maximum of two tensors (ties share the gradient)."""
        return _binary(Maximum, self, other)

    def minimum(self, other):
        """The elementwise minimum of two tensors (ties share the gradient)."""
        return _binary(Minimum, self, other)

    def where(self, condition, other):
        """self where ``condition`` else ``other`` (PyTorch's method form)."""
        return where(condition, self, other)

    def softmax(self, dim):
        """e^x / Σ e^x along ``dim`` (shifted by the max: stable for large logits)."""
        return SoftmaxOp.apply(_floating(self), _dim(dim, self.ndim, "softmax"))

    def log_softmax(self, dim):
        """log softmax along ``dim``, computed stably as x − logsumexp(x)."""
        return LogSoftmaxOp.apply(_floating(self), _dim(dim, self.ndim, "log_softmax"))

    # ---- reductions (``axis=`` and ``keepdims=`` are NumPy's names for ``dim`` and ``keepdim``) ----------

    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Σ over ``dim`` (an int, a tuple, or None for all)."""
        x = self if dtype is None else self.to(dtype)
        return Sum.apply(x, *_reduce_dims(x, dim, keepdim, axis, keepdims, "sum"))

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The average over ``dim``."""
        _require_float(self, "mean")
        return Mean.apply(self, *_reduce_dims(self, dim, keepdim, axis, keepdims, "mean"))

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
        """The variance over ``dim``, divided by n − correction (1 by default, as PyTorch)."""
        return compositions.var(self, *_aliases(dim, keepdim, axis, keepdims, "var"), unbiased, correction)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
        """The standard deviation √var over ``dim`` (gradient 0, not NaN, where var = 0, as PyTorch)."""
        return compositions.std(self, *_aliases(dim, keepdim, axis, keepdims, "std"), unbiased, correction)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``."""
        return compositions.extreme(self, *_aliases(dim, keepdim, axis, keepdims, "max"), "max")

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
        return compositions.extreme(self, *_aliases(dim, keepdim, axis, keepdims, "min"), "min")

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The maximum over ``dim`` (ties share the gradient evenly)."""
        return Amax.apply(self, *_reduce_dims(self, dim, keepdim, axis, keepdims, "amax"))

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The minimum over ``dim`` (ties share the gradient evenly)."""
        return Amin.apply(self, *_reduce_dims(self, dim, keepdim, axis, keepdims, "amin"))

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The product over ``dim`` (its gradient is exact even with zeros)."""
        return Prod.apply(self, *_reduce_dims(self, dim, keepdim, axis, keepdims, "prod"))

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """log Σ e^x over ``dim``, without overflow."""
        x = _floating(self)
        return LogSumExp.apply(x, *_reduce_dims(x, dim, keepdim, axis, keepdims, "logsumexp"))

    def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The p-norm over ``dim`` (2 / "fro", 1, inf, -inf, 0, or any positive p)."""
        return compositions.norm(self, p, *_aliases(dim, keepdim, axis, keepdims, "norm"))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the largest element (over the flattened tensor when ``dim`` is None)."""
        return compositions.arg_reduce(self, *_aliases(dim, keepdim, axis, keepdims, "argmax"), "argmax")

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the smallest element (over the flattened tensor when ``dim`` is None)."""
        return compositions.arg_reduce(self, *_aliases(dim, keepdim, axis, keepdims, "argmin"), "argmin")

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every element over ``dim`` is non-zero."""
        return compositions.truth_reduce(self, *_aliases(dim, keepdim, axis, keepdims, "all"), "all")

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some element over ``dim`` is non-zero."""
        return compositions.truth_reduce(self, *_aliases(dim, keepdim, axis, keepdims, "any"), "any")

    def cumsum(self, dim=None, dtype=None, *, axis=None):
        """The running sum along ``dim``: yᵢ = Σ_{j≤i} xⱼ;  dxⱼ = Σ_{i≥j} dyᵢ (integers sum as int64)."""
        return compositions.cumsum(self, _aliases(dim, False, axis, None, "cumsum")[0], dtype)

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort the elements along ``dim`` (ties keep their order: a stable sort)."""
        return compositions.argsort(self, dim, descending)

    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)``: the elements sorted along ``dim``, and where each came from."""
        return compositions.sort(self, dim, descending)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along ``dim``."""
        return compositions.topk(self, k, dim, largest)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Category indices drawn in proportion to the rows of ``self`` (``tg.multinomial``)."""
        return multinomial(self, num_samples, replacement, generator=generator)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        """``(hist, bin_edges)`` of the elements (``tg.histogram``)."""
        return histogram(self, bins, range=range, weight=weight, density=density)

    # ---- shape -----------------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same elements in a new shape (one dim may be -1)."""
        return Reshape.apply(self, _check_reshape(self, _shape_arg(shape, "reshape"), "reshape"))

    def view(self, *shape):
        """The same elements in a new shape (as ``reshape``); given a dtype, the same bytes as that dtype."""
        return compositions.view(self, shape)

    def view_as(self, other):
        """A view with the shape of ``other``: ``self.view(other.shape)``."""
        return self.view(other.shape)

    def reshape_as(self, other):
        """This tensor reshaped to the shape of ``other``: ``self.reshape(other.shape)``."""
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim`` .. ``end_dim`` into one."""
        return compositions.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        """Split dim ``dim`` into ``sizes``."""
        return compositions.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        """Drop dims of size 1 (only ``dim``, when given; a dim of another size is kept)."""
        return compositions.squeeze(self, dim)

    def unsqueeze(self, dim):
        """Insert a dim of size 1 at ``dim``."""
        return compositions.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        """Swap two dims."""
        return compositions.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        """The transpose of a matrix (a 0-D or 1-D tensor is returned as is)."""
        return compositions.t(self)

    def permute(self, *dims):
        """Reorder the dims: ``x.permute(2, 0, 1)``."""
        return compositions.permute(self, _shape_arg(dims, "permute"))

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (-1 keeps a dim)."""
        return compositions.expand(self, _shape_arg(sizes, "expand"))

    def expand_as(self, other):
        """This tensor broadcast to the shape of ``other``: ``self.expand(other.shape)``."""
        return self.expand(other.shape)

    def broadcast_to(self, shape):
        """Broadcast to ``shape`` (NumPy's rules)."""
        return compositions.broadcast_to(self, _shape_arg((shape,), "broadcast_to"))

    def sum_to_size(self, *size):
        """Sum broadcast dims away so the result has ``size`` (the inverse of ``expand``)."""
        return compositions.sum_to_size(self, _shape_arg(size, "sum_to_size"))

    def repeat(self, *repeats):
        """Tile the tensor ``repeats[i]`` times along each dim."""
        return compositions.repeat(self, _shape_arg(repeats, "repeat"))

    def flip(self, *dims):
        """Reverse the order of elements along ``dims``."""
        return Flip.apply(self, tuple(_dim(d, self.ndim, "flip") for d in _shape_arg(dims, "flip")))

    __getitem__ = lambda self, index: Index.apply(self, _index_arg(index, self))

    def gather(self, dim, index):
        """``out[i][j] = self[i][index[i][j]]`` along ``dim``."""
        return compositions.gather(self, dim, index)

    def chunk(self, chunks, dim=0):
        """Split into ``chunks`` nearly equal pieces along ``dim``."""
        return compositions.chunk(self, chunks, dim)

    def split(self, split_size_or_sections, dim=0):
        """Split along ``dim`` into pieces of one size, or of the listed sizes."""
        return compositions.split(self, split_size_or_sections, dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, as a tuple of tensors with that dim removed."""
        return compositions.unbind(self, dim)

    # ---- in-place operations (``autograd/inplace.py``: recorded in the graph when it needs them) ----------

    def add_(self, other, alpha=1):
        """self += alpha · other, in place."""
        return _arithmetic(self, "add_", other, alpha, _iadd, operator.add)

    def sub_(self, other, alpha=1):
        """self −= alpha · other, in place."""
        return _arithmetic(self, "sub_", other, alpha, _isub, operator.sub)

    def mul_(self, other):
        """self *= other, in place."""
        return _arithmetic(self, "mul_", other, 1, _imul, operator.mul)

    def div_(self, other):
        """self /= other, in place."""
        return _arithmetic(self, "div_", other, 1, _idiv, operator.truediv)

    def zero_(self):
        """Set every element to 0, in place."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to ``value``, in place."""
        return self.__setitem__(Ellipsis, value, "fill_")

    def clamp_(self, min=None, max=None):
        """Limit the elements to [min, max], in place."""
        return _clamp(self, min, max)

    clip_ = clamp_
    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def copy_(self, source):
        """Copy ``source``'s elements into this tensor, in place (broadcasting)."""
        return self.__setitem__(Ellipsis, source, "copy_")

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with samples from U(a, b), in place (from ``generator`` when given)."""
        return _fill_random(self, "uniform_", a, b, generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with samples from N(mean, std²), in place (from ``generator`` when given)."""
        return _fill_random(self, "normal_", mean, std, generator)

    def __setitem__(self, index, value, op="__setitem__"):
        return _setitem(self, _index_arg(index, self), value, op)


# The one cycle of imports: the ops, and the modules built on them, make Tensors, and Tensor's methods
# call them. These imports come last, once Tensor exists, so each of those modules can import Tensor
# at its top; importing tinygrad_edu (or this module) first is what makes that order hold.
from . import compositions, conversion  # noqa: E402
from .arguments import (  # noqa: E402
    _aliases,
    _check_reshape,
    _checked_grad,
    _checked_requires_grad,
    _dim,
    _index_arg,
    _reduce_dims,
    _shape_arg,
)
from .autograd import engine  # noqa: E402
from .autograd.function import FunctionOutput  # noqa: E402
from .autograd.inplace import _arithmetic, _clamp, _fill_random, _iadd, _idiv, _imul, _isub, _setitem  # noqa: E402
from .compositions import where  # noqa: E402
from .factories import histogram, multinomial  # noqa: E402
from .operators import _binary, _compare, _invert, _true_division_operands  # noqa: E402
from .ops import linalg  # noqa: E402
from .ops.binary import Add, Div, Maximum, Minimum, Mul, Pow, Sub  # noqa: E402
from .ops.elementwise import (  # noqa: E402
    Abs,
    Clone,
    Cos,
    Elu,
    Erf,
    Exp,
    Expm1,
    LeakyRelu,
    Log,
    Log1p,
    Neg,
    Reciprocal,
    Relu,
    Sigmoid,
    Sign,
    Sin,
    Softplus,
    Sqrt,
    Tanh,
)
from .ops.movement import Flip, Index, Reshape  # noqa: E402
from .ops.reduce import Amax, Amin, LogSoftmaxOp, LogSumExp, Mean, Prod, SoftmaxOp, Sum  # noqa: E402
