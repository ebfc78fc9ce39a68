"""Top-level function forms of Tensor methods, with PyTorch's names: ``tg.exp(x)``, ``tg.sum(x, 1)``.

Where the function and the method take the same arguments, the function *is* the method
(``tg.exp = Tensor.exp``, so ``tg.exp(x)`` is ``x.exp()``); the string under each alias is its entry
in the API reference. Like PyTorch's, these functions take tensors, not lists (``tg.exp([1.0])`` is
a TypeError). The functions with bodies of their own are those with no method of their signature.
"""

import builtins

from .compositions import where
from .dtypes import _promoted
from .factories import arange as _arange
from .ops.linalg import Einsum as _Einsum
from .ops.movement import Cat
from .tensor import Tensor

# elementwise math and activations
exp = Tensor.exp
"""eˣ, elementwise (``Tensor.exp``)."""
log = Tensor.log
"""The natural logarithm (``Tensor.log``)."""
log2 = Tensor.log2
"""Log₂ x (``Tensor.log2``)."""
log10 = Tensor.log10
"""Log₁₀ x (``Tensor.log10``)."""
log1p = Tensor.log1p
"""Ln(1 + x) (``Tensor.log1p``)."""
expm1 = Tensor.expm1
"""E^x − 1 (``Tensor.expm1``)."""
sqrt = Tensor.sqrt
"""√x, elementwise (``Tensor.sqrt``)."""
rsqrt = Tensor.rsqrt
"""1/√x, elementwise (``Tensor.rsqrt``)."""
sin = Tensor.sin
"""The sine (``Tensor.sin``)."""
cos = Tensor.cos
"""The cosine (``Tensor.cos``)."""
tanh = Tensor.tanh
"""The hyperbolic tangent (``Tensor.tanh``)."""
sigmoid = Tensor.sigmoid
"""The logistic sigmoid (``Tensor.sigmoid``)."""
erf = Tensor.erf
"""The error function (its gradient is 2/√π · e^(−x²))."""
relu = Tensor.relu
"""max(x, 0), elementwise (``Tensor.relu``)."""
leaky_relu = Tensor.leaky_relu
"""Leaky ReLU (``Tensor.leaky_relu``)."""
elu = Tensor.elu
"""The ELU activation (``Tensor.elu``)."""
gelu = Tensor.gelu
"""The GELU activation (``Tensor.gelu``)."""
softplus = Tensor.softplus
"""Log(1 + e^{βx})/β (``Tensor.softplus``)."""
abs = Tensor.abs
"""|x|, elementwise (``Tensor.abs``)."""
sign = Tensor.sign
"""The sign of x (``Tensor.sign``)."""
reciprocal = Tensor.reciprocal
"""1/x, elementwise (``Tensor.reciprocal``)."""
square = Tensor.square
"""x², elementwise (``Tensor.square``)."""
neg = Tensor.neg
"""−x, elementwise (``Tensor.neg``)."""
clamp = Tensor.clamp
"""X limited to [min, max] (``Tensor.clamp``)."""
clip = Tensor.clip
"""X limited to [min, max] (``Tensor.clip``)."""
isnan = Tensor.isnan
"""Where x is NaN (``Tensor.isnan``)."""
isfinite = Tensor.isfinite
"""Where x is finite (``Tensor.isfinite``)."""
clone = Tensor.clone
"""A differentiable copy (``Tensor.clone``)."""
numel = Tensor.numel
"""The number of elements (``Tensor.numel``)."""

# arithmetic and products
add = Tensor.add
"""Input + alpha · other (``Tensor.add``)."""
sub = Tensor.sub
"""Input − alpha · other (``Tensor.sub``)."""
mul = Tensor.mul
"""Input · other (``Tensor.mul``)."""
div = Tensor.div
"""Input / other (``Tensor.div``)."""
pow = Tensor.pow
"""Input ** exponent (``Tensor.pow``)."""
maximum = Tensor.maximum
"""The elementwise maximum (``Tensor.maximum``)."""
minimum = Tensor.minimum
"""The elementwise minimum (``Tensor.minimum``)."""
matmul = Tensor.matmul
"""The matrix product (numpy.matmul's rules) (``Tensor.matmul``)."""
mm = Tensor.mm
"""The product of two matrices (``Tensor.mm``)."""
bmm = Tensor.bmm
"""The product of two batches of matrices (``Tensor.bmm``)."""
dot = Tensor.dot
"""The inner product of two vectors (``Tensor.dot``)."""

# reductions
sum = Tensor.sum
"""The sum over dim (``Tensor.sum``)."""
mean = Tensor.mean
"""The mean over dim (``Tensor.mean``)."""
var = Tensor.var
"""The variance over dim (``Tensor.var``)."""
std = Tensor.std
"""The standard deviation over dim (``Tensor.std``)."""
max = Tensor.max
"""The maximum (values and indices with dim) (``Tensor.max``)."""
min = Tensor.min
"""The minimum (values and indices with dim) (``Tensor.min``)."""
amax = Tensor.amax
"""The maximum over dim (``Tensor.amax``)."""
amin = Tensor.amin
"""The minimum over dim (``Tensor.amin``)."""
prod = Tensor.prod
"""The product over dim (``Tensor.prod``)."""
logsumexp = Tensor.logsumexp
"""Log Σ e^x over dim, stably (``Tensor.logsumexp``)."""
norm = Tensor.norm
"""The p-norm over dim (``Tensor.norm``)."""
argmax = Tensor.argmax
"""The index of the maximum (``Tensor.argmax``)."""
argmin = Tensor.argmin
"""The index of the minimum (``Tensor.argmin``)."""
all = Tensor.all
"""Whether all elements are non-zero (``Tensor.all``)."""
any = Tensor.any
"""Whether any element is non-zero (``Tensor.any``)."""
cumsum = Tensor.cumsum
"""The running sum along dim (``Tensor.cumsum``)."""
softmax = Tensor.softmax
"""The softmax along dim (``Tensor.softmax``)."""
log_softmax = Tensor.log_softmax
"""The log-softmax along dim (``Tensor.log_softmax``)."""
sort = Tensor.sort
"""``(values, indices)`` sorted along dim (``Tensor.sort``)."""
argsort = Tensor.argsort
"""The indices that sort input along dim (``Tensor.argsort``)."""
topk = Tensor.topk
"""``(values, indices)`` of the k largest (or smallest) elements along dim (``Tensor.topk``)."""

# shape
reshape = Tensor.reshape
"""Input in a new shape (``Tensor.reshape``)."""
flatten = Tensor.flatten
"""Input with dims start_dim..end_dim merged (``Tensor.flatten``)."""
squeeze = Tensor.squeeze
"""Input without its size-1 dims (``Tensor.squeeze``)."""
unsqueeze = Tensor.unsqueeze
"""Input with a size-1 dim inserted (``Tensor.unsqueeze``)."""
transpose = Tensor.transpose
"""Input with two dims swapped (``Tensor.transpose``)."""
t = Tensor.t
"""The matrix transpose (``Tensor.t``)."""
permute = Tensor.permute
"""Input with its dims reordered (``Tensor.permute``)."""
broadcast_to = Tensor.broadcast_to
"""Input broadcast to shape (``Tensor.broadcast_to``)."""
flip = Tensor.flip
"""Input reversed along dims (``Tensor.flip``)."""
gather = Tensor.gather
"""Values picked along dim by index (``Tensor.gather``)."""
chunk = Tensor.chunk
"""Input split into chunks pieces (``Tensor.chunk``)."""
split = Tensor.split
"""Input split into pieces of given sizes (``Tensor.split``)."""
unbind = Tensor.unbind
"""The slices along dim (``Tensor.unbind``)."""

# comparisons and logic
eq = Tensor.eq
"""Elementwise == (``Tensor.eq``)."""
ne = Tensor.ne
"""Elementwise != (``Tensor.ne``)."""
lt = Tensor.lt
"""Elementwise < (``Tensor.lt``)."""
le = Tensor.le
"""Elementwise <= (``Tensor.le``)."""
gt = Tensor.gt
"""Elementwise > (``Tensor.gt``)."""
ge = Tensor.ge
"""Elementwise >= (``Tensor.ge``)."""
isclose = Tensor.isclose
"""Where input and other are close (``Tensor.isclose``)."""
allclose = Tensor.allclose
"""Whether all elements are close (``Tensor.allclose``)."""
equal = Tensor.equal
"""Whether shapes and elements are equal (``Tensor.equal``)."""
logical_not = Tensor.logical_not
"""Elementwise not (``Tensor.logical_not``)."""
logical_and = Tensor.logical_and
"""Elementwise and (``Tensor.logical_and``)."""
logical_or = Tensor.logical_or
"""Elementwise or (``Tensor.logical_or``)."""


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
