"""Top-level function forms of Tensor methods, with PyTorch's names: ``tg.exp(x)``, ``tg.sum(x, 1)``."""

import builtins

from .ops.elementwise import Erf
from .tensor import Tensor, _promoted, where


def exp(input):
    """eˣ, elementwise (``Tensor.exp``)."""
    return _tensor(input).exp()


def log(input):
    """The natural logarithm (``Tensor.log``)."""
    return _tensor(input).log()


def log1p(input):
    """Ln(1 + x) (``Tensor.log1p``)."""
    return _tensor(input).log1p()


def expm1(input):
    """E^x − 1 (``Tensor.expm1``)."""
    return _tensor(input).expm1()


def sqrt(input):
    """√x, elementwise (``Tensor.sqrt``)."""
    return _tensor(input).sqrt()


def rsqrt(input):
    """1/√x, elementwise (``Tensor.rsqrt``)."""
    return _tensor(input).rsqrt()


def sin(input):
    """The sine (``Tensor.sin``)."""
    return _tensor(input).sin()


def cos(input):
    """The cosine (``Tensor.cos``)."""
    return _tensor(input).cos()


def tanh(input):
    """The hyperbolic tangent (``Tensor.tanh``)."""
    return _tensor(input).tanh()


def sigmoid(input):
    """The logistic sigmoid (``Tensor.sigmoid``)."""
    return _tensor(input).sigmoid()


def relu(input):
    """max(x, 0), elementwise (``Tensor.relu``)."""
    return _tensor(input).relu()


def abs(input):
    """|x|, elementwise (``Tensor.abs``)."""
    return _tensor(input).abs()


def sign(input):
    """The sign of x (``Tensor.sign``)."""
    return _tensor(input).sign()


def reciprocal(input):
    """1/x, elementwise (``Tensor.reciprocal``)."""
    return _tensor(input).reciprocal()


def square(input):
    """x², elementwise (``Tensor.square``)."""
    return _tensor(input).square()


def neg(input):
    """−x, elementwise (``Tensor.neg``)."""
    return _tensor(input).neg()


def isnan(input):
    """Where x is NaN (``Tensor.isnan``)."""
    return _tensor(input).isnan()


def isfinite(input):
    """Where x is finite (``Tensor.isfinite``)."""
    return _tensor(input).isfinite()


def clone(input):
    """A differentiable copy (``Tensor.clone``)."""
    return _tensor(input).clone()


def numel(input):
    """The number of elements (``Tensor.numel``)."""
    return _tensor(input).numel()


def t(input):
    """The matrix transpose (``Tensor.t``)."""
    return _tensor(input).t()


def logical_not(input):
    """Elementwise not (``Tensor.logical_not``)."""
    return _tensor(input).logical_not()


def clamp(input, min=None, max=None):
    """X limited to [min, max] (``Tensor.clamp``)."""
    return _tensor(input).clamp(min=min, max=max)


def clip(input, min=None, max=None):
    """X limited to [min, max] (``Tensor.clip``)."""
    return _tensor(input).clip(min=min, max=max)


def leaky_relu(input, negative_slope=0.01):
    """Leaky ReLU (``Tensor.leaky_relu``)."""
    return _tensor(input).leaky_relu(negative_slope)


def add(input, other, alpha=1):
    """Input + alpha · other (``Tensor.add``)."""
    return _tensor(input).add(other, alpha=alpha)


def sub(input, other, alpha=1):
    """Input − alpha · other (``Tensor.sub``)."""
    return _tensor(input).sub(other, alpha=alpha)


def mul(input, other):
    """Input · other (``Tensor.mul``)."""
    return _tensor(input).mul(other)


def div(input, other):
    """Input / other (``Tensor.div``)."""
    return _tensor(input).div(other)


def pow(input, exponent):
    """Input ** exponent (``Tensor.pow``)."""
    return _tensor(input).pow(exponent)


def maximum(input, other):
    """The elementwise maximum (``Tensor.maximum``)."""
    return _tensor(input).maximum(other)


def minimum(input, other):
    """The elementwise minimum (``Tensor.minimum``)."""
    return _tensor(input).minimum(other)


def matmul(input, other):
    """The matrix product (numpy.matmul's rules) (``Tensor.matmul``)."""
    return _tensor(input).matmul(other)


def mm(input, mat2):
    """The product of two matrices (``Tensor.mm``)."""
    return _tensor(input).mm(mat2)


def bmm(input, mat2):
    """The product of two batches of matrices (``Tensor.bmm``)."""
    return _tensor(input).bmm(mat2)


def dot(input, other):
    """The inner product of two vectors (``Tensor.dot``)."""
    return _tensor(input).dot(other)


def sum(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    """The sum over dim (``Tensor.sum``)."""
    return _tensor(input).sum(dim, keepdim=keepdim, dtype=dtype, axis=axis, keepdims=keepdims)


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The mean over dim (``Tensor.mean``)."""
    return _tensor(input).mean(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def var(input, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
    """The variance over dim (``Tensor.var``)."""
    return _tensor(input).var(
        dim, unbiased=unbiased, keepdim=keepdim, correction=correction, axis=axis, keepdims=keepdims
    )


def std(input, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None, keepdims=None):
    """The standard deviation over dim (``Tensor.std``)."""
    return _tensor(input).std(
        dim, unbiased=unbiased, keepdim=keepdim, correction=correction, axis=axis, keepdims=keepdims
    )


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The maximum (values and indices with dim) (``Tensor.max``)."""
    return _tensor(input).max(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The minimum (values and indices with dim) (``Tensor.min``)."""
    return _tensor(input).min(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The maximum over dim (``Tensor.amax``)."""
    return _tensor(input).amax(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The minimum over dim (``Tensor.amin``)."""
    return _tensor(input).amin(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The product over dim (``Tensor.prod``)."""
    return _tensor(input).prod(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Log Σ e^x over dim, stably (``Tensor.logsumexp``)."""
    return _tensor(input).logsumexp(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def norm(input, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The p-norm over dim (``Tensor.norm``)."""
    return _tensor(input).norm(p, dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the maximum (``Tensor.argmax``)."""
    return _tensor(input).argmax(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the minimum (``Tensor.argmin``)."""
    return _tensor(input).argmin(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether all elements are non-zero (``Tensor.all``)."""
    return _tensor(input).all(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether any element is non-zero (``Tensor.any``)."""
    return _tensor(input).any(dim, keepdim=keepdim, axis=axis, keepdims=keepdims)


def softmax(input, dim):
    """The softmax along dim (``Tensor.softmax``)."""
    return _tensor(input).softmax(dim)


def log_softmax(input, dim):
    """The log-softmax along dim (``Tensor.log_softmax``)."""
    return _tensor(input).log_softmax(dim)


def reshape(input, shape):
    """Input in a new shape (``Tensor.reshape``)."""
    return _tensor(input).reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Input with dims start_dim..end_dim merged (``Tensor.flatten``)."""
    return _tensor(input).flatten(start_dim, end_dim)


def squeeze(input, dim=None):
    """Input without its size-1 dims (``Tensor.squeeze``)."""
    return _tensor(input).squeeze(dim)


def unsqueeze(input, dim):
    """Input with a size-1 dim inserted (``Tensor.unsqueeze``)."""
    return _tensor(input).unsqueeze(dim)


def transpose(input, dim0, dim1):
    """Input with two dims swapped (``Tensor.transpose``)."""
    return _tensor(input).transpose(dim0, dim1)


def permute(input, dims):
    """Input with its dims reordered (``Tensor.permute``)."""
    return _tensor(input).permute(dims)


def broadcast_to(input, shape):
    """Input broadcast to shape (``Tensor.broadcast_to``)."""
    return _tensor(input).broadcast_to(shape)


def flip(input, dims):
    """Input reversed along dims (``Tensor.flip``)."""
    return _tensor(input).flip(dims)


def gather(input, dim, index):
    """Values picked along dim by index (``Tensor.gather``)."""
    return _tensor(input).gather(dim, index)


def chunk(input, chunks, dim=0):
    """Input split into chunks pieces (``Tensor.chunk``)."""
    return _tensor(input).chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    """Input split into pieces of given sizes (``Tensor.split``)."""
    return _tensor(tensor).split(split_size_or_sections, dim)


def unbind(input, dim=0):
    """The slices along dim (``Tensor.unbind``)."""
    return _tensor(input).unbind(dim)


def eq(input, other):
    """Elementwise == (``Tensor.eq``)."""
    return _tensor(input).eq(other)


def ne(input, other):
    """Elementwise != (``Tensor.ne``)."""
    return _tensor(input).ne(other)


def lt(input, other):
    """Elementwise < (``Tensor.lt``)."""
    return _tensor(input).lt(other)


def le(input, other):
    """Elementwise <= (``Tensor.le``)."""
    return _tensor(input).le(other)


def gt(input, other):
    """Elementwise > (``Tensor.gt``)."""
    return _tensor(input).gt(other)


def ge(input, other):
    """Elementwise >= (``Tensor.ge``)."""
    return _tensor(input).ge(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close (``Tensor.allclose``)."""
    return _tensor(input).allclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def equal(input, other):
    """Whether shapes and elements are equal (``Tensor.equal``)."""
    return _tensor(input).equal(other)


def logical_and(input, other):
    """Elementwise and (``Tensor.logical_and``)."""
    return _tensor(input).logical_and(other)


def logical_or(input, other):
    """Elementwise or (``Tensor.logical_or``)."""
    return _tensor(input).logical_or(other)


def elu(input, alpha=1.0):
    """The ELU activation (``Tensor.elu``)."""
    return _tensor(input).elu(alpha)


def gelu(input, approximate="none"):
    """The GELU activation (``Tensor.gelu``)."""
    return _tensor(input).gelu(approximate=approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """Log(1 + e^{βx})/β (``Tensor.softplus``)."""
    return _tensor(input).softplus(beta, threshold)


def erf(input):
    """The error function (its gradient is 2/√π · e^(−x²))."""
    return Erf.apply(_tensor(input).float() if _tensor(input).dtype.kind != "f" else _tensor(input))


def cat(tensors, dim=0):
    """Join tensors along an existing dim: ``tg.cat([a, b], dim=1)``."""
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated")
    d = dim + ndim if dim < 0 else dim
    if not 0 <= d < ndim:
        raise IndexError(f"cat: dimension out of range (expected in [{-ndim}, {ndim - 1}], got {dim})")
    for i, t in enumerate(tensors):
        if (
            t.ndim != ndim
            or t.shape[:d] + t.shape[d + 1 :] != tensors[0].shape[:d] + tensors[0].shape[d + 1 :]
        ):
            raise ValueError(
                f"cat: sizes of tensors must match except in dimension {dim}; tensor 0 has shape "
                f"{tensors[0].shape} but tensor {i} has shape {t.shape}"
            )
    common = tensors[0]
    for t in tensors[1:]:
        common = _promoted(common, t)[0]
    tensors = [t if t.dtype == common.dtype else t.to(common.dtype) for t in tensors]
    return Cat.apply(d, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dim: ``tg.stack([a, b])`` has shape (2, *a.shape)."""
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(
                f"stack: expects each tensor to be equal size, but got {tensors[0].shape} at entry 0 "
                f"and {t.shape} at entry {i}"
            )
    ndim = tensors[0].ndim + 1
    d = dim + ndim if dim < 0 else dim
    if not 0 <= d < ndim:
        raise IndexError(f"stack: dimension out of range (expected in [{-ndim}, {ndim - 1}], got {dim})")
    return cat([t.unsqueeze(d) for t in tensors], d)


def log2(input):
    """Log₂ x (``Tensor.log2``)."""
    return _tensor(input).log2()


def log10(input):
    """Log₁₀ x (``Tensor.log10``)."""
    return _tensor(input).log10()


def cumsum(input, dim=None, dtype=None, *, axis=None):
    """The running sum along dim (``Tensor.cumsum``)."""
    return _tensor(input).cumsum(dim, dtype=dtype, axis=axis)


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along dim (``Tensor.sort``)."""
    return _tensor(input).sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim (``Tensor.argsort``)."""
    return _tensor(input).argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the k largest (or smallest) elements along dim (``Tensor.topk``)."""
    return _tensor(input).topk(k, dim, largest, sorted)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where input and other are close (``Tensor.isclose``)."""
    return _tensor(input).isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def einsum(equation, *operands):
    """Einstein summation: ``tg.einsum("ij,jk->ik", a, b)`` is ``a @ b``; differentiable (twice).

    Each operand gets one subscript letter per dim; letters shared between operands are multiplied
    along, letters missing from the output (after ``->``) are summed over. Without ``->`` the output is
    the letters that appear once, in alphabetical order. ``...`` stands for broadcast dims, a letter
    repeated in one operand takes its diagonal (``"ii->i"``), and size-1 dims broadcast, as in PyTorch.
    Operands may also be given as one list. The gradient of each operand is again an einsum
    (``ops/linalg.py``: ``Einsum``).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if not operands:
        raise RuntimeError("einsum: must provide at least one operand")
    tensors = [_tensor(o) for o in operands]
    canonical, tensors = _canonical_einsum(equation, tensors)
    floats = {t.dtype for t in tensors if t.dtype.kind == "f"}
    if len(floats) > 1:
        raise RuntimeError(
            "einsum: expected all operands to have the same dtype, got "
            + ", ".join(str(t.dtype) for t in tensors)
        )
    if floats:  # integer operands join the float ones (PyTorch would refuse the mix)
        target = floats.pop()
        tensors = [t if t.dtype == target else t.to(target) for t in tensors]
    return _Einsum.apply(canonical, *tensors)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _canonical_einsum(equation, tensors):
    """The equation with an explicit output, no ``...``, no letter twice in one operand and one size
    per letter, and the operands made to fit it (diagonals taken, size-1 dims expanded)."""
    shapes = ", ".join(str(t.shape) for t in tensors)

    def fail(reason):
        raise RuntimeError(f"einsum: {reason} (equation {equation!r}, operand shapes {shapes})")

    spec = equation.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(tensors):
        fail(f"the equation has {len(terms)} operand(s) but {len(tensors)} were given")
    for term in [*terms, rhs]:
        rest = term.replace("...", "", 1)
        if "." in rest or builtins.any(c not in _LETTERS for c in rest):
            fail(f"subscripts must be letters a-z, A-Z with at most one '...' per operand, got {term!r}")
    used = set(spec) & set(_LETTERS)
    spare = [c for c in _LETTERS if c not in used]
    counts = [len(term.replace("...", "")) for term in terms]
    ellipsis_dims = 0
    for i, (term, t, n) in enumerate(zip(terms, tensors, counts)):
        if ("..." in term and t.ndim < n) or ("..." not in term and t.ndim != n):
            fail(f"operand {i} has {t.ndim} dims but subscripts {term!r}")
        if "..." in term:
            ellipsis_dims = builtins.max(ellipsis_dims, t.ndim - n)
    if ellipsis_dims > len(spare):
        fail("too many dims for the letters left")
    broadcast = "".join(spare[:ellipsis_dims])
    terms = [
        term.replace("...", broadcast[ellipsis_dims - (t.ndim - n) :])
        for term, t, n in zip(terms, tensors, counts)
    ]
    if arrow:
        if "..." in rhs and not builtins.any("..." in term for term in lhs.split(",")):
            fail("'...' in the output but in no operand")
        output = rhs.replace("...", broadcast)
    else:
        letters = "".join(terms)
        output = broadcast + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in broadcast)
        )
    if len(set(output)) != len(output):
        fail(f"output subscript {rhs!r} repeats a letter")
    missing = [c for c in output if not builtins.any(c in term for term in terms)]
    if missing:
        fail(f"output subscript(s) {missing} appear in no operand")
    tensors = list(tensors)
    for i, term in enumerate(terms):  # a letter twice in one operand: its diagonal
        while len(set(term)) != len(term):
            letter = next(c for c in term if term.count(c) > 1)
            first, second = term.index(letter), term.index(letter, term.index(letter) + 1)
            t = tensors[i]
            if t.shape[first] != t.shape[second]:
                fail(
                    f"subscript {letter!r} repeated in operand {i} with sizes "
                    f"{t.shape[first]} and {t.shape[second]}"
                )
            n = t.shape[first]
            shape = [1] * t.ndim
            shape[first] = shape[second] = n
            eye = (_arange(n, device=t.device).unsqueeze(1) == _arange(n, device=t.device)).reshape(shape)
            tensors[i] = where(eye, t, 0).sum(second)
            term = term[:second] + term[second + 1 :]
        terms[i] = term
    sizes = {}
    for i, (term, t) in enumerate(zip(terms, tensors)):
        for c, n in zip(term, t.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                fail(f"subscript {c!r} has size {sizes[c]} in one operand but {n} in operand {i}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    for i, (term, t) in enumerate(zip(terms, tensors)):
        target = tuple(sizes[c] for c in term)
        if target != t.shape:  # a size-1 dim meets a larger one: broadcast it (its gradient sums back)
            tensors[i] = t.expand(target)
    return ",".join(terms) + "->" + output, tensors


def is_tensor(obj):
    """True for tinygrad_edu tensors."""
    return isinstance(obj, Tensor)


def _tensor(value):
    """Accept numbers, lists and arrays where a tensor is expected."""
    return value if isinstance(value, Tensor) else Tensor(value)


from .factories import arange as _arange  # noqa: E402
from .ops.linalg import Einsum as _Einsum  # noqa: E402
from .ops.movement import Cat  # noqa: E402
