"""``Tensor``: an array that remembers how it was computed, so gradients can flow back through it.

A tensor holds ``data`` (a NumPy array on "cpu"), and, if it was made by an op while recording,
``grad_fn``: the op (``Op`` or ``Function`` instance) that made it, which links to its inputs. ``backward()``
walks those links in reverse (``autograd/engine.py``). Every operator below is one line that calls
its ``Op`` (in ``ops/``), so a reader can jump from ``a * b`` to ``Mul``.
"""

import collections
import math
import numbers
import operator
import reprlib

import numpy as np

from . import backend as _backend_module
from . import dtypes

_BY_ARRAY_TYPE = _backend_module._BY_ARRAY_TYPE
_new = object.__new__
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

    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad                       # d/dx Σ x² = 2x
    tensor([2., 4., 6.], shape=(3,), dtype=float32, device='cpu')
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_data",
        "_grad",
        "_hooks",
        "_requires_grad",
        "_retains_grad",
        "_version_cell",
    )
    __hash__ = object.__hash__  # tensors are dict keys by identity (== is elementwise)
    __array_priority__ = 1000  # cupy_array * tensor calls Tensor.__rmul__ (NumPy: see __array_ufunc__)

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        if isinstance(data, Tensor):
            data = data.data
        source = _BY_ARRAY_TYPE.get(type(data))  # the backend of an array argument, if any
        if device is not None:
            target = _backend_module.get_backend(device)
        elif source is not None and source.name != "cpu":
            target = source  # a device array stays on its device
        else:
            target = _backend_module.get_backend()  # host data goes to the default device
        dtype = None if dtype is None else dtypes.to_dtype(dtype)
        if hasattr(data, "dtype"):  # arrays: no object, string, date or record arrays
            dtypes.check_supported(data.dtype, "tensor")
        if source is not None and source is not target:
            data = source.to_numpy(data)  # moving between devices goes through the host
        elif not hasattr(data, "dtype"):  # Python numbers and (nested) lists
            data = _plain(data)
            dtype = dtype or dtypes.infer_dtype(data)
        try:
            self._data = target.array(data, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as error:  # ragged lists, unconvertible values
            raise type(error)(
                f"tensor: cannot build a {dtype} tensor from {reprlib.repr(data)}: {error}"
            ) from None
        self._grad = None
        self._ctx = None
        self._version_cell = [0]
        self._hooks = None
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad=False, ctx=None, version_cell=None):
        """Wrap a backend array without copying or checks (the fast path every op uses)."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._ctx = ctx
        t._grad = None
        t._version_cell = [0] if version_cell is None else version_cell
        t._hooks = None
        t._retains_grad = False
        return t

    def _backend(self):
        """The array namespace holding this tensor's data."""
        return _BY_ARRAY_TYPE[type(self._data)]

    def _like(self, value):
        """``value`` (a number, list or array) as a tensor on this tensor's device."""
        if isinstance(value, Tensor):
            return value
        return Tensor(value, device=self.device)

    # ---- attributes --------------------------------------------------------------------------------

    def _set_data(self, value):
        """``t.data = other_tensor`` takes that tensor's array (shared, as in PyTorch); a backend array
        is taken as it is. Anything else (a list, a number) is refused, as PyTorch refuses it."""
        if isinstance(value, Tensor):
            value = value._data
        elif type(value) not in _BY_ARRAY_TYPE:
            raise TypeError(
                f"data: expected a Tensor or an array, got {type(value).__name__} {reprlib.repr(value)}; "
                "write t.data = tg.tensor(...) or t.copy_(...)"
            )
        dtypes.check_supported(value.dtype, "data")
        self._data = value

    # The backend array. Read through attrgetter (C code), because every op reads it.
    data = property(operator.attrgetter("_data"), _set_data)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        """NumPy meeting a Tensor: ``array + tensor`` is the Tensor operator (so ``np_array * t`` is a
        Tensor, as before), and NumPy's in-place operators on an array — ``p.data += -lr * p.grad``,
        ``p.data -= ...`` — update that array with the tensor's values. Any other ufunc works on the
        values and returns an array, as NumPy does for array-likes."""
        operators = _UFUNC_OPERATORS.get(ufunc.__name__)
        if out is None and method == "__call__" and not kwargs and operators and len(inputs) == 2:
            left, right = inputs
            if isinstance(left, Tensor):
                return getattr(left, operators[0])(right)
            return getattr(right, operators[1])(left)
        values = tuple(_host_values(x, out) for x in inputs)
        if out is not None:
            kwargs["out"] = tuple(_host_values(x, None) for x in out)
        return getattr(ufunc, method)(*values, **kwargs)

    @property
    def __cuda_array_interface__(self):
        """CuPy's view of a "cuda" tensor's data (so ``cupy_array += tensor`` works, as on the CPU)."""
        try:
            return self._data.__cuda_array_interface__
        except AttributeError:
            raise AttributeError("__cuda_array_interface__: only for tensors on a CuPy device") from None

    @property
    def shape(self):
        """The size of each dimension, as a tuple."""
        return self._data.shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self):
        """The element type (a NumPy dtype, e.g. ``tg.float32``)."""
        return self._data.dtype

    @property
    def device(self):
        """Where the data lives: ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy)."""
        return _backend_module.device(self._backend().name)

    @property
    def requires_grad(self):
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    @property
    def grad(self):
        """The accumulated gradient (a Tensor), or None before any backward."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"grad: assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
            if value.dtype != self.dtype or value.device != self.device:
                raise RuntimeError(
                    f"grad: assigned grad is a {value.dtype} tensor on {value.device}, but the tensor is "
                    f"{self.dtype} on {self.device}; they must match"
                )
        self._grad = value

    @property
    def grad_fn(self):
        """The op that produced this tensor (None for leaves); for an output of a user's Function
        with several outputs, that Function (PyTorch shows one node for all of them)."""
        ctx = self._ctx
        return ctx.function if type(ctx) is FunctionOutput else ctx

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (user-created tensors, parameters)."""
        return self._ctx is None

    @property
    def _version(self):
        """How many times the data was modified in place (to catch stale saved values)."""
        return self._version_cell[0]

    @property
    def T(self):
        """The tensor with its dims reversed (the transpose, for a matrix)."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self):
        """The transpose of the last two dims (a batch of matrices)."""
        return self.transpose(-2, -1)

    def size(self, dim=None):
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.shape
        return self.shape[_dim(dim, self.ndim, "size")]

    def dim(self):
        """The number of dimensions."""
        return self.ndim

    def numel(self):
        """The number of elements."""
        return self._data.size

    def nelement(self):
        """The number of elements (PyTorch's older name for ``numel``)."""
        return self._data.size

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
        if self._requires_grad:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._backend().to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self._backend().to_numpy(self._data)
        return array if dtype is None else array.astype(dtype)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"item: a Tensor with {self._data.size} elements (shape {self.shape}) cannot be converted "
                "to a Python scalar"
            )
        return self._data.item()

    def tolist(self):
        """The data as (nested) Python lists."""
        return self._data.tolist()

    def __format__(self, format_spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats its number (``f"{loss}"`` prints the number, as in
        PyTorch); other tensors format as their repr."""
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iub":
            raise TypeError(
                f"only integer tensors of a single element can be used as an index, got {self.dtype}"
            )
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous (use .any() or .all())"
            )
        return bool(self.item())

    def to(self, *args, dtype=None, device=None):
        """The tensor on another device and/or with another dtype: ``t.to("cpu")``, ``t.to(tg.float64)``."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg.device
            elif isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        out = self
        if device is not None and _backend_module.device(device) != self.device:
            out = ToDevice.apply(out, _backend_module.get_backend(device))
        if dtype is not None and dtypes.to_dtype(dtype) != out.dtype:
            dtype = dtypes.to_dtype(dtype)
            if dtypes.is_floating(dtype):
                out = Cast.apply(out, dtype)
            else:  # integers and bools carry no gradient
                out = Tensor._make(out._backend().astype(out.data, dtype))
        return out

    def cpu(self):
        """The tensor on the CPU."""
        return self.to("cpu")

    def cuda(self):
        """The tensor on the GPU (needs CuPy)."""
        return self.to("cuda")

    def float(self):
        """The tensor as float32."""
        return self.to(dtypes.float32)

    def double(self):
        """The tensor as float64."""
        return self.to(dtypes.float64)

    def half(self):
        """The tensor as float16."""
        return self.to(dtypes.float16)

    def long(self):
        """The tensor as int64."""
        return self.to(dtypes.int64)

    def int(self):
        """The tensor as int32."""
        return self.to(dtypes.int32)

    def bool(self):
        """The tensor as bool."""
        return self.to(dtypes.bool)

    def type(self, dtype=None):
        """The dtype's name, or the tensor converted to ``dtype``."""
        return str(self.dtype) if dtype is None else self.to(dtype)

    def detach(self):
        """The same data, cut from the graph (shares memory and the version counter)."""
        return Tensor._make(self._data, False, None, self._version_cell)

    def detach_(self):
        """Cut this tensor from the graph in place."""
        self._ctx = None
        self._requires_grad = False
        return self

    def clone(self):
        """A copy of the data that stays in the graph (gradients flow back to the original)."""
        return Clone.apply(self)

    def contiguous(self):
        """The tensor itself: memory layout is the array library's business here, and every op
        accepts any layout (PyTorch needs this before ``view``; this library does not)."""
        return self

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this tensor for gradients; returns self."""
        if requires_grad and not dtypes.is_floating(self.dtype):
            raise RuntimeError(
                f"requires_grad_: only tensors of floating point dtype can require gradients, "
                f"got {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad flags of leaf tensors; use detach()"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        if self._ctx is not None:
            self._retains_grad = True

    @property
    def retains_grad(self):
        """True when ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains_grad

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

    def __repr__(self):
        body = np.array2string(
            self._backend().to_numpy(self._data), separator=", ", prefix="tensor(", threshold=100, edgeitems=3
        )
        extras = [f"shape={self.shape}", f"dtype={self.dtype}", f"device='{self.device}'"]
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}, {', '.join(extras)})"

    # ---- arithmetic ----------------------------------------------------------------------------------

    def __add__(self, other):
        return _binary(Add, self, other)

    def __radd__(self, other):
        return _binary(Add, self, other, reflected=True)

    def __sub__(self, other):
        return _binary(Sub, self, other)

    def __rsub__(self, other):
        return _binary(Sub, self, other, reflected=True)

    def __mul__(self, other):
        return _binary(Mul, self, other)

    def __rmul__(self, other):
        return _binary(Mul, self, other, reflected=True)

    def __truediv__(self, other):
        return _binary(Div, *_true_division_operands(self, other))

    def __rtruediv__(self, other):
        return _binary(Div, *_true_division_operands(self, other), reflected=True)

    def __pow__(self, exponent):
        return _binary(Pow, self, exponent)

    def __rpow__(self, base):
        return _binary(Pow, self, base, reflected=True)

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return self._like(other).matmul(self)

    def __neg__(self):
        return Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def add(self, other, alpha=1):
        """self + alpha · other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self − alpha · other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self · other, elementwise with broadcasting."""
        return self * other

    def div(self, other):
        """self / other (true division)."""
        return self / other

    divide = true_divide = div
    multiply = mul
    subtract = sub

    def pow(self, exponent):
        """self ** exponent."""
        return self**exponent

    def neg(self):
        """−x, elementwise; derivative −1."""
        return Neg.apply(self)

    negative = neg

    def matmul(self, other):
        """Matrix product with ``numpy.matmul``'s rules: 1-D, 2-D and broadcast batches of matrices."""
        other = self._like(other)
        if self.ndim == 0 or other.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes {self.shape} and {other.shape}"
            )
        if self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise RuntimeError(
                f"matmul: shapes {self.shape} and {other.shape} cannot be multiplied "
                f"({self.shape[-1]} != {other.shape[-2 if other.ndim > 1 else 0]})"
            )
        a, b = _promoted(*_same_float_dtype(self, other, "matmul"))
        a_vector, b_vector = a.ndim == 1, b.ndim == 1
        out = MatMul.apply(a.unsqueeze(0) if a_vector else a, b.unsqueeze(1) if b_vector else b)
        if a_vector or b_vector:  # drop the dims that lifted the vectors to matrices
            shape = out.shape[:-2] + out.shape[-2:][a_vector : 1 if b_vector else 2]
            out = out.reshape(shape)
        return out

    def mm(self, other):
        """The product of two matrices (both 2-D)."""
        other = self._like(other)
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"mm: expected two 2-D tensors, got shapes {self.shape} and {other.shape}")
        return self.matmul(other)

    def bmm(self, other):
        """The product of two batches of matrices (both 3-D)."""
        other = self._like(other)
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError(f"bmm: expected two 3-D tensors, got shapes {self.shape} and {other.shape}")
        return self.matmul(other)

    def dot(self, other):
        """The inner product of two 1-D tensors."""
        other = self._like(other)
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"dot: expected two 1-D tensors, got shapes {self.shape} and {other.shape}")
        return self.matmul(other)

    # ---- comparisons and logic (no gradient) ---------------------------------------------------------

    def __eq__(self, other):
        return _compare(self, other, "eq")

    def __ne__(self, other):
        return _compare(self, other, "ne")

    def __lt__(self, other):
        return _compare(self, other, "lt")

    def __le__(self, other):
        return _compare(self, other, "le")

    def __gt__(self, other):
        return _compare(self, other, "gt")

    def __ge__(self, other):
        return _compare(self, other, "ge")

    def eq(self, other):
        """Elementwise ==, as a bool tensor."""
        return self == other

    def ne(self, other):
        """Elementwise !=, as a bool tensor."""
        return self != other

    def lt(self, other):
        """Elementwise <, as a bool tensor."""
        return self < other

    def le(self, other):
        """Elementwise <=, as a bool tensor."""
        return self <= other

    def gt(self, other):
        """Elementwise >, as a bool tensor."""
        return self > other

    def ge(self, other):
        """Elementwise >=, as a bool tensor."""
        return self >= other

    def __and__(self, other):
        return _compare(self, other, "and")

    def __rand__(self, other):
        return _compare(self, other, "and")

    def __or__(self, other):
        return _compare(self, other, "or")

    def __ror__(self, other):
        return _compare(self, other, "or")

    def __xor__(self, other):
        return _compare(self, other, "xor")

    def __invert__(self):
        if self.dtype.kind not in "biu":
            raise TypeError(f"~: bitwise not is only defined for bool and integer tensors, got {self.dtype}")
        return Tensor._make(self._backend().asarray(~self._data))  # 0-d: NumPy gives a scalar

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

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True when every element is close to ``other``'s: ``isclose(...).all()`` as a Python bool."""
        return bool(self.isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan).all())

    def equal(self, other):
        """True when both tensors have the same shape and elements."""
        other = self._like(other)
        return self.shape == other.shape and bool((self._data == other.data).all())

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
        x = _floating(self)
        if approximate == "tanh":
            inner = (x + x * x * x * 0.044715) * float(np.sqrt(2 / np.pi))
            return x * (inner.tanh() + 1) * 0.5
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return Gelu.apply(x)

    def softplus(self, beta=1.0, threshold=20.0):
        """log(1 + e^{βx})/β, linear where βx > threshold."""
        return Softplus.apply(_floating(self), beta, threshold)

    def abs(self):
        """|x|, elementwise; derivative sign(x) (0 at x = 0)."""
        return Abs.apply(self)

    absolute = abs

    def sign(self):
        """−1, 0 or 1 by the sign of x."""
        return Sign.apply(self)

    def clamp(self, min=None, max=None):
        """x limited to [min, max] (either may be None; tensors allowed)."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self if min is None else self.maximum(self._like(min))
            return out if max is None else out.minimum(self._like(max))
        return Clamp.apply(self, min, max)

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

    # ---- reductions -------------------------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Σ over ``dim`` (an int, a tuple, or None for all)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "sum")
        x = self if dtype is None else self.to(dtype)
        return Sum.apply(x, _axes(dim, x.ndim, "sum"), keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The average over ``dim``."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "mean")
        _require_float(self, "mean")
        return Mean.apply(self, _axes(dim, self.ndim, "mean"), keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
        """The variance over ``dim``, divided by n − correction (1 by default, as PyTorch)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "var")
        _require_float(self, "var")
        if isinstance(unbiased, (int, tuple)) and not isinstance(unbiased, bool):  # var(dim, unbiased)
            raise TypeError("var: pass unbiased= or correction= by keyword")
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        axes = _axes(dim, self.ndim, "var")
        centered = self - self.mean(axes, keepdim=True)
        count = self.numel() if axes is None else int(np.prod([self.shape[a] for a in axes]))
        return (centered * centered).sum(axes, keepdim=keepdim) / max(count - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
        """The standard deviation over ``dim`` (√var); where the input is constant (var = 0) its
        gradient is 0, as PyTorch's, not ∞ · 0 = NaN."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "std")
        return _zero_safe_root(self.var(dim, unbiased=unbiased, keepdim=keepdim, correction=correction), 2)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "max")
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return Amax.apply(self, None, False)
        return _values_and_indices(self, _dim(dim, self.ndim, "max"), keepdim, self.argmax(dim, keepdim=True))

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "min")
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return Amin.apply(self, None, False)
        return _values_and_indices(self, _dim(dim, self.ndim, "min"), keepdim, self.argmin(dim, keepdim=True))

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The maximum over ``dim`` (ties share the gradient evenly)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "amax")
        return Amax.apply(self, _axes(dim, self.ndim, "amax"), keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The minimum over ``dim`` (ties share the gradient evenly)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "amin")
        return Amin.apply(self, _axes(dim, self.ndim, "amin"), keepdim)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The product over ``dim`` (its gradient is exact even with zeros)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "prod")
        return Prod.apply(self, _axes(dim, self.ndim, "prod"), keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """log Σ e^x over ``dim``, without overflow."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "logsumexp")
        return LogSumExp.apply(_floating(self), _axes(dim, self.ndim, "logsumexp"), keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The p-norm over ``dim`` (2 / "fro", 1, inf, -inf, 0, or any positive p)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "norm")
        x = _floating(self)
        if p in ("fro", 2):
            return _zero_safe_root((x * x).sum(dim, keepdim=keepdim), 2)
        if p == 1:
            return x.abs().sum(dim, keepdim=keepdim)
        if p == float("inf"):
            return x.abs().amax(dim, keepdim=keepdim)
        if p == float("-inf"):
            return x.abs().amin(dim, keepdim=keepdim)
        if p == 0:
            return (x != 0).sum(dim, keepdim=keepdim).to(x.dtype)
        if not isinstance(p, numbers.Real):
            raise ValueError(f"norm: unsupported p={p!r}")
        return _zero_safe_root((x.abs() ** p).sum(dim, keepdim=keepdim), p)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the largest element (over the flattened tensor when ``dim`` is None)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "argmax")
        return _arg_reduce(self, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the smallest element (over the flattened tensor when ``dim`` is None)."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "argmin")
        return _arg_reduce(self, dim, keepdim, "argmin")

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every element over ``dim`` is non-zero."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "all")
        return Tensor._make(
            self._backend().asarray(self._data.all(axis=_axes(dim, self.ndim, "all"), keepdims=keepdim))
        )

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some element over ``dim`` is non-zero."""
        dim, keepdim = _aliases(dim, keepdim, axis, keepdims, "any")
        return Tensor._make(
            self._backend().asarray(self._data.any(axis=_axes(dim, self.ndim, "any"), keepdims=keepdim))
        )

    def cumsum(self, dim=None, dtype=None, *, axis=None):
        """The running sum along ``dim``: yᵢ = Σ_{j≤i} xⱼ;  dxⱼ = Σ_{i≥j} dyᵢ (integers sum as int64)."""
        dim, _ = _aliases(dim, False, axis, None, "cumsum")
        if dim is None:
            raise TypeError("cumsum: missing the dim to sum along (cumsum(dim))")
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind in "biu":
            x = x.long()
        if x.ndim == 0:
            _dim(dim, 0, "cumsum")
            return x.clone() if x.requires_grad else x
        return CumSum.apply(x, _dim(dim, x.ndim, "cumsum"))

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort the elements along ``dim`` (ties keep their order: a stable sort)."""
        d = _dim(dim, self.ndim, "argsort")
        xp = self._backend()
        if self.ndim == 0:
            return Tensor._make(xp.zeros((), dtype=dtypes.int64))
        keys = self._data
        if descending:
            if keys.dtype.kind in "bu":  # negating unsigned values would wrap around
                keys = xp.astype(keys, dtypes.int64)
            keys = -keys
        return Tensor._make(xp.astype(xp.argsort(keys, axis=d, kind="stable"), dtypes.int64))

    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)``: the elements sorted along ``dim``, and where each came from.

        The values are ``self.gather(dim, indices)``, so the gradient flows back to each element's
        original place (and second derivatives follow too).
        """
        indices = self.argsort(dim, descending)
        values = self.gather(dim, indices) if self.ndim else self.clone()
        return ValuesIndices(values, indices)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along ``dim``,
        in sorted order; the gradient goes back to those elements."""
        d = _dim(dim, self.ndim, "topk")
        size = self.shape[d] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
        if not 0 <= k <= size:
            raise RuntimeError(
                f"topk: k={k} is out of range for dim {dim} of size {size} (tensor of shape {self.shape})"
            )
        indices = self.argsort(d, descending=largest)
        if self.ndim:
            indices = Tensor._make(indices._data[(slice(None),) * d + (slice(0, k),)])
            return ValuesIndices(self.gather(d, indices), indices)
        return ValuesIndices(self.clone() if k else self.reshape(1)[:0].reshape(()), indices)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Where |self − other| ≤ atol + rtol · |other| (equal infinities are close), as a bool tensor."""
        other = self._like(other)
        if type(other._data) is not type(self._data):
            raise RuntimeError(f"isclose: tensors on {self.device} and {other.device}")
        close = self._backend().isclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
        return Tensor._make(self._backend().asarray(close))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Category indices drawn in proportion to the rows of ``self`` (``tg.multinomial``)."""
        from .factories import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        """``(hist, bin_edges)`` of the elements (``tg.histogram``)."""
        from .factories import histogram

        return histogram(self, bins, range=range, weight=weight, density=density)

    # ---- shape -----------------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same elements in a new shape (one dim may be -1)."""
        shape = _shape_arg(shape, "reshape")
        return Reshape.apply(self, _check_reshape(self, shape, "reshape"))

    def view(self, *shape):
        """The same elements in a new shape (as ``reshape``; a view when the data allows)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
            return _view_as_dtype(self, shape[0])
        shape = _shape_arg(shape, "view")
        return Reshape.apply(self, _check_reshape(self, shape, "view"))

    def view_as(self, other):
        """A view with the shape of ``other``: ``self.view(other.shape)``."""
        return self.view(other.shape)

    def reshape_as(self, other):
        """This tensor reshaped to the shape of ``other``: ``self.reshape(other.shape)``."""
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim`` .. ``end_dim`` into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _dim(start_dim, self.ndim, "flatten"), _dim(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        merged = 1
        for n in shape[start : end + 1]:
            merged *= n
        return self.reshape(shape[:start] + (merged,) + shape[end + 1 :])

    def unflatten(self, dim, sizes):
        """Split dim ``dim`` into ``sizes``."""
        d = _dim(dim, self.ndim, "unflatten")
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1 :])

    def squeeze(self, dim=None):
        """Drop dims of size 1 (only ``dim``, when given; a dim of another size is kept)."""
        if dim is None:
            axes = range(self.ndim)
        else:
            axes = _axes(dim, self.ndim, "squeeze")
        shape = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
        return self if shape == self.shape else self.reshape(shape)

    def unsqueeze(self, dim):
        """Insert a dim of size 1 at ``dim``."""
        d = _dim(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def transpose(self, dim0, dim1):
        """Swap two dims."""
        order = list(range(self.ndim))
        a, b = _dim(dim0, self.ndim, "transpose"), _dim(dim1, self.ndim, "transpose")
        if self.ndim:  # a 0-d tensor accepts dims 0 and -1, as in PyTorch, and has nothing to swap
            order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    swapaxes = swapdims = transpose

    def t(self):
        """The transpose of a matrix (a 0-D or 1-D tensor is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def permute(self, *dims):
        """Reorder the dims: ``x.permute(2, 0, 1)``."""
        dims = _shape_arg(dims, "permute")
        order = tuple(_dim(d, self.ndim, "permute") for d in dims)
        if sorted(order) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}"
            )
        return Permute.apply(self, order)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (-1 keeps a dim)."""
        sizes = _shape_arg(sizes, "expand")
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes {sizes} must be at least the tensor's dims {self.shape}"
            )
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        return self.broadcast_to(shape)

    def expand_as(self, other):
        """This tensor broadcast to the shape of ``other``: ``self.expand(other.shape)``."""
        return self.expand(other.shape)

    def broadcast_to(self, shape):
        """Broadcast to ``shape`` (NumPy's rules)."""
        shape = _shape_arg((shape,), "broadcast_to")
        try:
            np.broadcast_shapes(self.shape, shape)
        except ValueError:
            raise RuntimeError(
                f"broadcast_to: cannot broadcast a tensor of shape {self.shape} to {shape}"
            ) from None
        return self if shape == self.shape else Expand.apply(self, shape)

    def sum_to_size(self, *size):
        """Sum broadcast dims away so the result has ``size`` (the inverse of ``expand``)."""
        shape = _shape_arg(size, "sum_to_size")
        return self if shape == self.shape else SumTo.apply(self, shape)

    def repeat(self, *repeats):
        """Tile the tensor ``repeats[i]`` times along each dim."""
        repeats = _shape_arg(repeats, "repeat")
        if len(repeats) < self.ndim:
            raise RuntimeError(
                f"repeat: number of repeat dims {len(repeats)} can not be smaller than "
                f"the tensor's dims {self.ndim}"
            )
        return Repeat.apply(self, repeats)

    def flip(self, *dims):
        """Reverse the order of elements along ``dims``."""
        dims = _shape_arg(dims, "flip")
        return Flip.apply(self, tuple(_dim(d, self.ndim, "flip") for d in dims))

    def __getitem__(self, index):
        return Index.apply(self, _index_arg(index, self))

    def gather(self, dim, index):
        """``out[i][j] = self[i][index[i][j]]`` along ``dim``."""
        d = _dim(dim, self.ndim, "gather")
        index = self._like(index)
        if type(index.data) is not type(self._data):
            raise RuntimeError(f"gather: the input is on {self.device} but the index is on {index.device}")
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
        if index.ndim != self.ndim:
            raise RuntimeError(f"gather: index has {index.ndim} dims but the input has {self.ndim}")
        x = self
        if any(i != d and index.shape[i] != n for i, n in enumerate(self.shape)):
            if any(i != d and index.shape[i] > n for i, n in enumerate(self.shape)):
                raise RuntimeError(
                    f"gather: index shape {index.shape} is larger than input shape {self.shape} "
                    f"outside dim {d}"
                )
            x = self[tuple(slice(None) if i == d else slice(0, m) for i, m in enumerate(index.shape))]
        if index.numel() and (
            int(index.data.max()) >= self.shape[d] or int(index.data.min()) < -self.shape[d]
        ):
            raise IndexError(f"gather: index out of range for dim {d} of size {self.shape[d]}")
        return Gather.apply(x, d, index.data % self.shape[d] if self.shape[d] else index.data)

    def chunk(self, chunks, dim=0):
        """Split into ``chunks`` nearly equal pieces along ``dim``."""
        d = _dim(dim, self.ndim, "chunk")
        size = -(-self.shape[d] // chunks) if chunks > 0 else 0
        if size <= 0:
            if chunks <= 0:
                raise ValueError(f"chunk: chunks must be positive, got {chunks}")
            size = 1
        return self.split(size, d)

    def split(self, split_size_or_sections, dim=0):
        """Split along ``dim`` into pieces of one size, or of the listed sizes."""
        d = _dim(dim, self.ndim, "split")
        n = self.shape[d]
        if isinstance(split_size_or_sections, int):
            if split_size_or_sections <= 0:
                raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
            sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)] or [0]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of dim {d}")
        lead, start, pieces = (slice(None),) * d, 0, []
        for size in sizes:
            pieces.append(self[(*lead, slice(start, start + size))])
            start += size
        return tuple(pieces)

    def unbind(self, dim=0):
        """The slices along ``dim``, as a tuple of tensors with that dim removed."""
        d = _dim(dim, self.ndim, "unbind")
        lead = (slice(None),) * d
        return tuple(self[(*lead, i)] for i in range(self.shape[d]))

    # ---- in-place operations ---------------------------------------------------------------------------

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def add_(self, other, alpha=1):
        """self += alpha · other, in place."""
        scaled = other if alpha == 1 else _scaled(other, alpha, self)
        value = _value(scaled, self)
        return _inplace(self, "add_", other, lambda d: _iadd(d, value), lambda old: old + scaled)

    def sub_(self, other, alpha=1):
        """self −= alpha · other, in place."""
        scaled = other if alpha == 1 else _scaled(other, alpha, self)
        value = _value(scaled, self)
        return _inplace(self, "sub_", other, lambda d: _isub(d, value), lambda old: old - scaled)

    def mul_(self, other):
        """self *= other, in place."""
        value = _value(other, self)
        return _inplace(self, "mul_", other, lambda d: _imul(d, value), lambda old: old * other)

    def div_(self, other):
        """self /= other, in place."""
        value = _value(other, self)
        return _inplace(self, "div_", other, lambda d: _idiv(d, value), lambda old: old / other)

    def zero_(self):
        """Set every element to 0, in place."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to ``value``, in place."""
        return self.__setitem__(Ellipsis, value, "fill_")

    def clamp_(self, min=None, max=None):
        """Limit the elements to [min, max], in place."""
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        lo, hi = _value(min, self), _value(max, self)
        return _inplace(
            self,
            "clamp_",
            None,
            lambda d: self._backend().clip(d, lo, hi, out=d),
            lambda old: old.clamp(min, max),
        )

    clip_ = clamp_

    def copy_(self, source):
        """Copy ``source``'s elements into this tensor, in place (broadcasting)."""
        return self.__setitem__(Ellipsis, source, "copy_")

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with samples from U(a, b), in place (from ``generator`` when given)."""
        if not a <= b:
            raise RuntimeError(f"uniform_: expects a range [a, b) with a <= b, got a={a}, b={b}")
        sample = sampler(self._backend(), generator).random(self.shape) * (b - a) + a
        return self.__setitem__(Ellipsis, sample, "uniform_")

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with samples from N(mean, std²), in place (from ``generator`` when given)."""
        if not std >= 0:
            raise RuntimeError(f"normal_: expects std >= 0, got std={std}")
        sample = sampler(self._backend(), generator).standard_normal(self.shape) * std + mean
        return self.__setitem__(Ellipsis, sample, "normal_")

    def __setitem__(self, index, value, op="__setitem__"):
        index = _index_arg(index, self)
        source = _value(value, self)
        return _inplace(
            self,
            op,
            value,
            lambda d: _setitem(d, index, source),
            lambda old: SetItem.apply(old, index, value if isinstance(value, Tensor) else source),
        )


# ---- helpers of the methods above (kept out of the class so it reads as the API) -----------------------


def _plain(data):
    """Nested lists/tuples that may hold tensors, as plain Python/NumPy values."""
    if isinstance(data, (list, tuple)):
        return [_plain(item) for item in data]
    if isinstance(data, Tensor):
        return data.data.tolist() if data._backend().name == "cpu" else data.numpy().tolist()
    return data


# NumPy ufuncs (by name) that are Tensor operators: (method when the tensor is on the left, on the right).
_UFUNC_OPERATORS = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),  # np.true_divide is np.divide
    "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
    "equal": ("__eq__", "__eq__"),
    "not_equal": ("__ne__", "__ne__"),
    "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"),
    "greater_equal": ("__ge__", "__le__"),
    "bitwise_and": ("__and__", "__rand__"),
    "bitwise_or": ("__or__", "__ror__"),
    "maximum": ("maximum", "maximum"),
    "minimum": ("minimum", "minimum"),
}


def _host_values(value, out):
    """A ufunc operand as NumPy sees it: a tensor's values on the host (its own array on the CPU)."""
    if isinstance(value, Tensor):
        return value._backend().to_numpy(value._data)
    return value


def _aliases(dim, keepdim, axis, keepdims, op):
    """NumPy's spellings ``axis=`` / ``keepdims=`` of ``dim`` / ``keepdim`` (PyTorch accepts both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and axis (axis is NumPy's name for dim: pass one)")
        dim = axis
    return dim, keepdim if keepdims is None else bool(keepdims)


def _dim(dim, ndim, op):
    """``dim`` as a non-negative int, or an IndexError naming ``op``."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % max(ndim, 1)


def _axes(dim, ndim, op):
    """``dim`` (None, an int or a sequence) as None or a sorted tuple of non-negative ints."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted({_dim(d, ndim, op) for d in dim}))
        if len(axes) != len(dim):
            raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
        return axes if ndim else None
    return (_dim(dim, ndim, op),) if ndim else None


def _shape_arg(args, op):
    """Shapes given as ints (``reshape(2, 3)``) or as one sequence (``reshape((2, 3))``)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"{op}: sizes must be ints, got {args!r}")
    return tuple(int(n) for n in args)


def _check_reshape(tensor, shape, op):
    """``shape`` if the elements fit it (with one -1 inferred), else a clear RuntimeError."""
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    unknown = shape.count(-1)
    size = tensor.numel()
    fits = (unknown == 0 and known == size) or (unknown == 1 and known > 0 and size % known == 0)
    if unknown > 1 or not fits or any(n < -1 for n in shape):
        raise RuntimeError(
            f"{op}: shape {shape} is invalid for input of shape {tensor.shape} ({size} elements)"
        )
    return shape


def _index_arg(index, tensor):
    """An index with Tensors and lists replaced by arrays."""
    items = index if isinstance(index, tuple) else (index,)
    converted = []
    for item in items:
        if isinstance(item, Tensor):
            if type(item.data) is not type(tensor.data):
                raise RuntimeError(
                    f"index: the tensor is on {tensor.device} but an index tensor is on {item.device}"
                )
            if item.dtype.kind not in "biu":
                raise IndexError(
                    f"index: tensors used as indices must be long, int or bool, got {item.dtype}"
                )
            item = item.data
        elif isinstance(item, list):
            item = tensor._backend().asarray(item)
        converted.append(item)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def _floating(tensor):
    """Integer and bool tensors become float32 before float math, as in PyTorch."""
    return tensor if tensor.data.dtype.kind == "f" else tensor.float()


def _require_float(tensor, op):
    if tensor.data.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype should be floating point, got {tensor.dtype}")


def _promoted(a, b):
    """Two tensors cast to PyTorch's common dtype: a float beats an int of any width, and a 0-d
    tensor does not widen a tensor with dims of its own kind (it acts like a Python number)."""
    da, db = a._data.dtype, b._data.dtype
    if da == db:
        return a, b
    float_a, float_b = da.kind == "f", db.kind == "f"
    if float_a != float_b:
        target = da if float_a else db
    elif (a.ndim == 0) != (b.ndim == 0) and "b" not in (da.kind, db.kind):
        target = db if a.ndim == 0 else da
    else:
        target = np.promote_types(da, db)
    return (a if da == target else a.to(target)), (b if db == target else b.to(target))


def _same_float_dtype(a, b, op):
    """``a`` and ``b``; a RuntimeError when both are floating but of different dtypes (PyTorch's rule
    for matrix products: a float32 model fed float64 data is a bug to report, not to promote)."""
    da, db = a._data.dtype, b._data.dtype
    if da != db and da.kind == "f" and db.kind == "f":
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, but got {da} and {db} "
            f"(shapes {a.shape} and {b.shape}); convert one with .to(), .float() or .double()"
        )
    return a, b


def _binary(op, tensor, other, reflected=False):
    """Apply a binary ``Op`` to a tensor and a tensor, number or array (in either order)."""
    if isinstance(other, Tensor):
        a, b = _promoted(tensor, other)
    elif isinstance(other, (int, float)):  # a Python number keeps the tensor's dtype (PyTorch's rule)
        a, b = tensor, other
        if isinstance(other, float) and tensor._data.dtype.kind != "f":  # np.float64 too
            a = tensor.float()
    elif isinstance(other, complex) or other is None or isinstance(other, str):
        raise TypeError(f"{op.__name__}: unsupported operand of type {type(other).__name__}")
    else:
        a, b = _promoted(tensor, tensor._like(other))
    return op.apply(b, a) if reflected else op.apply(a, b)


def _true_division_operands(tensor, other):
    """Division of integers gives float32, as in PyTorch."""
    other_is_int = not (isinstance(other, float) or (isinstance(other, Tensor) and other.dtype.kind == "f"))
    if tensor.data.dtype.kind != "f" and other_is_int:
        tensor = tensor.float()
    return tensor, other


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
}


def _compare(tensor, other, name):
    """An elementwise comparison or logical op; the result is a bool tensor without gradient."""
    if other is None or isinstance(other, str):
        if name in ("eq", "ne"):
            return name == "ne"
        raise TypeError(f"{name}: cannot compare a tensor with {type(other).__name__}")
    if not isinstance(other, (Tensor, int, float)):
        other = tensor._like(other)  # lists and host arrays move to the tensor's device
    b = other.data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and type(b) is not type(tensor.data):
        raise RuntimeError(
            f"{name}: expected all tensors to be on the same device, but found "
            f"{tensor.device} and {other.device}"
        )
    if name in ("and", "or", "xor") and (
        tensor.dtype.kind not in "biu" or getattr(b, "dtype", np.dtype(bool)).kind not in "biu"
    ):
        raise TypeError(f"{name}: logical operators need bool or integer tensors, got {tensor.dtype}")
    try:
        result = _COMPARE[name](tensor.data, b)
    except ValueError as error:
        raise RuntimeError(
            f"{name}: {error} (shapes {tensor.shape} and {getattr(other, 'shape', ())})"
        ) from None
    return Tensor._make(tensor._backend().asarray(result))


def _values_and_indices(tensor, dim, keepdim, indices):
    """``(values, indices)`` of max/min along ``dim``: the gradient goes to the returned index."""
    d = _dim(dim, tensor.ndim, "max")
    values = tensor.gather(d, indices) if tensor.ndim else tensor
    if not keepdim and tensor.ndim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


def _view_as_dtype(tensor, dtype):
    """``view(dtype)``: the same bytes read as another dtype (PyTorch's bit reinterpretation, not a
    cast: ``tg.tensor([1.0]).view(tg.int32)`` is 1065353216). It shares memory and the version counter
    with ``tensor``, and does not require grad (bits have no gradient)."""
    dtype = dtypes.to_dtype(dtype)
    if dtype == tensor.dtype:
        return tensor.view(tensor.shape)
    try:
        data = tensor.data.view(dtype)
    except (ValueError, TypeError) as error:
        raise RuntimeError(
            f"view: cannot view a {tensor.dtype} tensor of shape {tensor.shape} as {dtype}: {error}"
        ) from None
    return Tensor._make(data, version_cell=tensor._version_cell)


def _zero_safe_root(total, p):
    """total^(1/p) for ``norm``, with gradient 0 where total is 0 (PyTorch's subgradient of a zero
    norm) instead of ∞ · 0 = NaN."""
    zero = total == 0
    safe = where(zero, 1.0, total)
    return where(zero, 0.0, safe.sqrt() if p == 2 else safe ** (1 / p))


def _arg_reduce(tensor, dim, keepdim, name):
    """argmax/argmin as an int64 tensor."""
    if tensor.numel() == 0:
        raise RuntimeError(f"{name}: expected a non-empty tensor")
    data = tensor.data
    if dim is None:
        result = getattr(data.reshape(-1), name)()
        if keepdim:
            result = tensor._backend().asarray(result).reshape((1,) * tensor.ndim)
    else:
        d = _dim(dim, tensor.ndim, name)
        result = (
            getattr(data, name)(axis=d, keepdims=keepdim)
            if tensor.ndim
            else getattr(data.reshape(-1), name)()
        )
    return Tensor._make(tensor._backend().astype(tensor._backend().asarray(result), dtypes.int64))


def _value(value, tensor):
    """The raw value of an in-place operand: a number, or an array on the tensor's device."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, Tensor):
        if type(value.data) is not type(tensor.data):
            raise RuntimeError(
                f"in-place: expected both tensors on one device, got {tensor.device} and {value.device}"
            )
        return value.data
    return tensor._like(value).data


def _inplace(tensor, op, other, mutate, compute):
    """An in-place op: ``mutate(tensor.data)`` outside the graph; inside it, recorded as PyTorch does.

    Allowed on tensors that do not require grad and on leaves inside ``no_grad()``; on a leaf that
    requires grad it raises; on a tensor of the graph (or with an operand that requires grad) the
    tensor is changed to ``compute(old)`` and the change is recorded (``autograd/inplace.py``).
    """
    if is_grad_enabled() and (tensor._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        if tensor._requires_grad and tensor._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
                "(wrap the update in `with tg.no_grad():`)"
            )
        return inplace.change(tensor, op, compute)
    try:
        mutate(tensor.data)
    except (TypeError, ValueError, IndexError) as error:  # NumPy's casting / read-only / shape errors
        given = f", other operand of shape {tuple(other.shape)}" if hasattr(other, "shape") else ""
        kind = IndexError if isinstance(error, IndexError) else RuntimeError  # t[4] = 1 on 3 elements
        raise kind(f"{op}: {error} (tensor of shape {tensor.shape}, dtype {tensor.dtype}{given})") from None
    tensor._version_cell[0] += 1
    return tensor


def _scaled(other, alpha, tensor):
    """``alpha · other`` for ``add_``/``sub_`` (a list or array operand becomes a tensor first)."""
    return other * alpha if isinstance(other, (Tensor, int, float)) else tensor._like(other) * alpha


def _iadd(d, v):
    d += v


def _isub(d, v):
    d -= v


def _imul(d, v):
    d *= v


def _idiv(d, v):
    d /= v


def _setitem(d, index, v):
    d[index] = v


def where(condition, input, other):
    """``input`` where ``condition`` else ``other`` (numbers allowed for either branch)."""
    anchor = next((t for t in (input, other, condition) if isinstance(t, Tensor)), None)
    if anchor is None:
        anchor = Tensor(condition)
    condition = anchor._like(condition)
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    a = anchor._like(input) if not isinstance(input, (int, float)) else input
    b = anchor._like(other) if not isinstance(other, (int, float)) else other
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _promoted(a, b)
    elif isinstance(a, Tensor) and isinstance(b, float) and a.dtype.kind != "f":
        a = a.float()
    elif isinstance(b, Tensor) and isinstance(a, float) and b.dtype.kind != "f":
        b = b.float()
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers: a float makes float32
        a = Tensor(float(a) if isinstance(b, float) else a, device=anchor.device)
    return Where.apply(condition, a, b)


# The ops Tensor's methods call (imported last: they are built on Tensor).
from .autograd import engine, inplace  # noqa: E402
from .autograd.function import FunctionOutput  # noqa: E402
from .autograd.grad_mode import is_grad_enabled  # noqa: E402
from .backend.generator import sampler  # noqa: E402
from .hooks import RemovableHandle  # noqa: E402
from .ops.binary import Add, Div, Maximum, Minimum, Mul, Pow, Sub, Where  # noqa: E402
from .ops.elementwise import (  # noqa: E402
    Abs,
    Cast,
    Clamp,
    Clone,
    Cos,
    Elu,
    Exp,
    Expm1,
    Gelu,
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
    ToDevice,
)
from .ops.linalg import MatMul  # noqa: E402
from .ops.movement import Expand, Flip, Gather, Index, Permute, Repeat, Reshape, SetItem, SumTo  # noqa: E402
from .ops.reduce import Amax, Amin, CumSum, LogSoftmaxOp, LogSumExp, Mean, Prod, SoftmaxOp, Sum  # noqa: E402
