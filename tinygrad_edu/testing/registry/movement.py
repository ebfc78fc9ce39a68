"""Entries of ``ops/movement.py``: reshapes, permutes, expand/sum_to, repeat, flip, pad, indexing
(Index, SetItem, IndexAdd, Gather, ScatterAdd), cat/stack/split and embedding."""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.movement import Pad

from .. import strategies as st
from . import reference as ref
from .cases import MAX_DIMS, along_one_dim, dims, real, seeded_rng, shapes, unary, with_ones
from .entry import Case, op, torch


@st.composite
def regrouped(draw, shape):
    """A new shape with the same number of elements (one entry may be -1)."""
    factors, n, p = [], math.prod(shape), 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    factors = draw(st.permutations(factors))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0, *cuts, len(factors)]
    new = [math.prod(factors[a:b]) for a, b in itertools.pairwise(bounds)]
    if math.prod(shape) == 1 and draw(st.booleans()):
        new = []
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return tuple(new)


@st.composite
def reshaped(draw):
    shape = draw(shapes())
    return Case((real(seeded_rng(draw), shape),), {"shape": draw(regrouped(shape))})


@st.composite
def squeezed(draw):
    shape = draw(with_ones())
    dim = draw(st.one_of(st.none(), dims(len(shape), allow_none=False)))
    return Case((real(seeded_rng(draw), shape),), {"dim": dim})


@st.composite
def flattened(draw):
    shape = draw(shapes())
    n = max(len(shape), 1)
    start, end = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
    start = start - n if draw(st.booleans()) else start
    end = end - n if draw(st.booleans()) else end
    return Case((real(seeded_rng(draw), shape),), {"start_dim": start, "end_dim": end})


@st.composite
def transposed(draw):
    shape = draw(shapes())
    n = max(len(shape), 1)
    pair = draw(st.lists(st.integers(-n, n - 1), min_size=2, max_size=2))
    return Case((real(seeded_rng(draw), shape),), {"dim0": pair[0], "dim1": pair[1]})


@st.composite
def permuted(draw):
    shape = draw(shapes())
    order = draw(st.permutations(range(len(shape))))
    order = tuple(d - len(shape) if draw(st.booleans()) else d for d in order)
    return Case((real(seeded_rng(draw), shape),), {"dims": order})


@st.composite
def expanded(draw, allow_minus_one=True):
    """An input with 1s in its shape and a target it broadcasts to (with new leading dims)."""
    shape = draw(with_ones())
    lead = draw(st.lists(st.integers(1, 3), max_size=MAX_DIMS - len(shape)))
    target = [n if n != 1 else draw(st.integers(1, 3)) for n in shape]
    if allow_minus_one:
        target = [-1 if t == n and draw(st.booleans()) else t for t, n in zip(target, shape)]
    return Case((real(seeded_rng(draw), shape),), {"size": tuple(lead + target)})


@st.composite
def summed_to(draw):
    """An input whose shape broadcasts from ``size`` (sum_to_size undoes it)."""
    size = draw(with_ones())
    lead = draw(st.lists(st.integers(1, 3), max_size=MAX_DIMS - len(size)))
    shape = tuple(lead + [n if n != 1 else draw(st.integers(1, 3)) for n in size])
    return Case((real(seeded_rng(draw), shape),), {"size": size})


@st.composite
def repeated(draw):
    shape = draw(shapes(max_side=3))
    extra = draw(st.integers(1 if not shape else 0, 1))
    repeats = draw(st.lists(st.integers(1, 3), min_size=len(shape) + extra, max_size=len(shape) + extra))
    return Case((real(seeded_rng(draw), shape),), {"repeats": tuple(repeats)})


@st.composite
def flipped(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return Case(
        (real(seeded_rng(draw), shape),), {"dims": tuple(d - n if draw(st.booleans()) else d for d in axes)}
    )


@st.composite
def unsqueezed(draw):
    shape = draw(shapes())
    n = len(shape)
    return Case((real(seeded_rng(draw), shape),), {"dim": draw(st.integers(-n - 1, n))})


@st.composite
def basic_index(draw, negative_steps=False):
    """Ints, slices (clamped bounds, steps), None and at most one Ellipsis.

    With ``negative_steps`` the first dim is sliced backwards (NumPy allows it; PyTorch does not).
    """
    shape = draw(shapes(min_dims=1))
    items, dim = [], 0
    if negative_steps:
        n = shape[0]
        bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
        items.append(slice(draw(bound), draw(bound), draw(st.sampled_from([-1, -2, -3]))))
        dim = 1
    while dim < len(shape):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "stop"]))
        if kind == "stop":
            break
        if kind == "none":
            items.append(None)
        elif kind == "ellipsis":
            items.append(Ellipsis)
            dim += draw(st.integers(0, len(shape) - dim))
            for m in shape[dim:]:  # the dims after the ellipsis
                items.append(draw(st.integers(-m, m - 1)) if draw(st.booleans()) else slice(None))
            break
        elif kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
            dim += 1
        else:
            bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
            items.append(slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))))
            dim += 1
    index = tuple(items)
    if len(index) == 1 and draw(st.booleans()):
        index = index[0]  # a bare int/slice/None/Ellipsis, not a tuple
    return Case((real(seeded_rng(draw), shape),), {"index": index})


@st.composite
def array_index(draw, max_arrays=1, two_d=False, lead=None):
    """Integer arrays (repeats and negative values) on one or two adjacent dims, after ``lead`` slices."""
    shape = draw(shapes(min_dims=max_arrays))
    if lead is None:
        lead = draw(st.integers(0, len(shape) - max_arrays))
    count = draw(st.integers(1, max_arrays))
    index_shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if two_d else (draw(st.integers(1, 5)),)
    rng = seeded_rng(draw)
    arrays = [rng.integers(-shape[lead + k], shape[lead + k], index_shape) for k in range(count)]
    return Case((real(rng, shape),), {"index": (slice(None),) * lead + tuple(arrays)})


@st.composite
def mixed_index(draw):
    """``x[None, ..., array, ::2]``: an integer array between an Ellipsis and a strided slice."""
    shape = draw(shapes(min_dims=2))
    rng = seeded_rng(draw)
    n = shape[-2]
    array = rng.integers(-n, n, (draw(st.integers(1, 5)),))
    return Case((real(rng, shape),), {"array": array})


@st.composite
def mask_index(draw):
    """A bool mask over the leading dims (all of them, or some)."""
    shape = draw(shapes(min_dims=1))
    k = draw(st.integers(1, len(shape)))
    rng = seeded_rng(draw)
    return Case((real(rng, shape),), {"mask": rng.random(shape[:k]) < 0.5})


@st.composite
def gathered(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    d = dim % n
    index_shape = tuple(
        draw(st.integers(1, 4)) if i == d else draw(st.integers(1, s)) for i, s in enumerate(shape)
    )
    rng = seeded_rng(draw)
    return Case((real(rng, shape),), {"dim": dim, "index": rng.integers(0, shape[d], index_shape)})


@st.composite
def split_case(draw, sections=False):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    size = shape[dim % n]
    if sections:
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
        bounds = [0, *cuts, size]
        split = [b - a for a, b in itertools.pairwise(bounds)]
    else:
        split = draw(st.integers(1, 4))
    return Case((real(seeded_rng(draw), shape),), {"split": split, "dim": dim})


@st.composite
def chunk_case(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    return Case(
        (real(seeded_rng(draw), shape),),
        {"chunks": draw(st.integers(1, 5)), "dim": draw(st.integers(-n, n - 1))},
    )


@st.composite
def joined(draw, same_size):
    """Two or three inputs for cat (sizes differ along ``dim``) or stack (same shapes)."""
    shape = list(draw(shapes(min_dims=0 if same_size else 1)))
    count = draw(st.integers(2, 3))
    n = len(shape) + (1 if same_size else 0)
    dim = draw(st.integers(-n, n - 1))
    rng = seeded_rng(draw)
    arrays = []
    for _ in range(count):
        if not same_size:
            shape[dim % n] = draw(st.integers(1, 3))
        arrays.append(real(rng, tuple(shape)))
    return Case(tuple(arrays), {"dim": dim})


@st.composite
def padded(draw):
    shape = draw(shapes(min_dims=1))
    widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    value = draw(st.sampled_from([0.0, 1.5, -2.0]))
    return Case((real(seeded_rng(draw), shape),), {"widths": widths, "value": value})


def _torch_index(index):
    """A NumPy-style index with its integer arrays as torch tensors."""
    items = index if isinstance(index, tuple) else (index,)
    return tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in items)


def _tg_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return tuple(tg.tensor(i) if isinstance(i, np.ndarray) else i for i in items)


def _torch_pad_tuple(widths):
    """Per-dim (before, after) widths as PyTorch's pad tuple: last dim first."""
    return tuple(w for pair in reversed(widths) for w in pair)


def _pad(a, widths, value):
    """``nn.functional.pad`` when the library has it; until then its op, ``Pad``, applied directly."""
    try:
        functional = importlib.import_module("tinygrad_edu.nn.functional")
    except ImportError:
        functional = None
    if functional is not None and hasattr(functional, "pad"):
        return functional.pad(a, _torch_pad_tuple(widths), value=value)
    return Pad.apply(a, widths, value)


def _np_reshape(a, shape):
    return a.reshape(shape)


def _np_transpose(a, dim0, dim1):
    return a if a.ndim == 0 else np.swapaxes(a, dim0, dim1)


def _np_broadcast(a, size):
    return np.broadcast_to(a, size).copy()


def _flatten(a, start_dim, end_dim):
    return a.flatten(start_dim, end_dim)


def _np_expand_dims(a, dim):
    return np.expand_dims(a, dim)


def _np_permute(a, dims):
    return np.transpose(a, dims)


def _np_tile(a, repeats):
    return np.tile(a, repeats)


def _np_flip(a, dims):
    return np.flip(a, dims)


def _np_split(a, split, dim):
    return ref.split(a, split, dim)


def _np_unbind(a, dim):
    return tuple(np.moveaxis(a, dim, 0))


# the same call in PyTorch: (name, fn, cases, methods, reference)
SAME_IN_PYTORCH = (
    ("reshape", lambda a, shape: a.reshape(shape), reshaped(), ["reshape"], _np_reshape),
    ("view", lambda a, shape: a.view(shape), reshaped(), ["view"], _np_reshape),
    ("flatten", _flatten, flattened(), ["flatten"], ref.flatten),
    ("unsqueeze", lambda a, dim: a.unsqueeze(dim), unsqueezed(), ["unsqueeze"], _np_expand_dims),
    ("transpose", lambda a, dim0, dim1: a.transpose(dim0, dim1), transposed(), ["transpose"], _np_transpose),
    ("permute_tuple", lambda a, dims: a.permute(dims), permuted(), ["permute"], _np_permute),
    ("t", lambda a: a.t(), unary(real, max_dims=2), ["t"], np.transpose),
    ("mT", lambda a: a.mT, unary(real, min_dims=2), ["mT"], lambda a: np.swapaxes(a, -1, -2)),
    ("broadcast_to", lambda a, size: a.broadcast_to(size), expanded(False), ["broadcast_to"], _np_broadcast),
    ("sum_to_size", lambda a, size: a.sum_to_size(size), summed_to(), ["sum_to_size"], ref.sum_to_size),
    ("repeat", lambda a, repeats: a.repeat(*repeats), repeated(), ["repeat"], _np_tile),
    ("flip", lambda a, dims: a.flip(dims), flipped(), ["flip"], _np_flip),
    ("chunk", lambda a, chunks, dim: a.chunk(chunks, dim), chunk_case(), ["chunk"], ref.chunk),
    ("split", lambda a, split, dim: a.split(split, dim), split_case(), ["split"], _np_split),
    ("split_sections", lambda a, split, dim: a.split(split, dim), split_case(True), ["split"], _np_split),
    ("unbind", lambda a, dim: a.unbind(dim), along_one_dim(real, min_dims=1), ["unbind"], _np_unbind),
)
for _name, _fn, _cases, _methods, _reference in SAME_IN_PYTORCH:
    op(_name, _fn, _cases, _fn, _methods, reference=_reference)


def _as_drawn(index):
    return index


def _last_as_list(index):
    """The index's last integer array as a Python list: ``x[[2, 0, 2]]``."""
    return index[-1].tolist()


def _indexed_by(spell):
    """``a[index]`` with the drawn index spelled by ``spell`` (None: no such function)."""
    return None if spell is None else (lambda a, index: a[spell(index)])


# x[index]: (name, cases, the index spelled for us, for PyTorch (None: it refuses it), for NumPy)
GETITEMS = (
    ("getitem_basic", basic_index(), _as_drawn, _as_drawn, _as_drawn),
    ("getitem_negative_step", basic_index(negative_steps=True), _as_drawn, None, _as_drawn),
    ("getitem_int_array", array_index(), _as_drawn, _torch_index, _as_drawn),
    ("getitem_int_tensor", array_index(max_arrays=2, two_d=True), _tg_index, _torch_index, _as_drawn),
    ("getitem_list", array_index(lead=0), _last_as_list, _last_as_list, _last_as_list),
)
for _name, _cases, _ours, _torch, _numpy in GETITEMS:
    op(_name, _indexed_by(_ours), _cases, _indexed_by(_torch), ["__getitem__"], reference=_indexed_by(_numpy))


def _masked_by(spell):
    """``a[mask]`` with the drawn bool mask spelled by ``spell``."""
    return lambda a, mask: a[spell(mask)]


_torch_masked = _masked_by(lambda mask: torch.from_numpy(mask))
for _name, _spell in (("getitem_bool_mask", _as_drawn), ("getitem_bool_tensor", tg.tensor)):
    op(
        _name,
        _masked_by(_spell),
        mask_index(),
        _torch_masked,
        ["__getitem__"],
        reference=_masked_by(_as_drawn),
    )


def _joined_by(module, name):
    """``module.<name>(list(arrays), dim)``, looked up when called (``torch`` is imported lazily)."""
    return lambda *arrays, dim: getattr(module, name)(list(arrays), dim)


# two or three inputs joined: (name, NumPy's name, whether the inputs share a shape)
for _name, _np_name, _same_size in (("cat", "concatenate", False), ("stack", "stack", True)):
    _cases = joined(same_size=_same_size)
    _torch_fn = _joined_by(torch, _name)
    op(_name, _joined_by(tg, _name), _cases, _torch_fn, [f"tg.{_name}"], reference=_joined_by(np, _np_name))


op(
    "reshape_varargs",
    lambda a, shape: a.reshape(*shape),
    reshaped(),
    lambda a, shape: a.reshape(*shape) if shape else a.reshape(shape),  # torch needs one argument
    ["reshape"],
    reference=lambda a, shape: a.reshape(shape),
)


op(
    "squeeze",
    lambda a, dim: a.squeeze(dim),
    squeezed(),
    lambda a, dim: a.squeeze() if dim is None else a.squeeze(dim),
    ["squeeze"],
    reference=ref.squeeze,
)


# dims/sizes spread as separate arguments in ours, one tuple in PyTorch's:
# (name, fn, cases, torch_fn, reference)
SPREAD_ARGUMENTS = (
    ("permute", lambda a, dims: a.permute(*dims), permuted(), lambda a, dims: a.permute(dims), _np_permute),
    ("expand", lambda a, size: a.expand(*size), expanded(), lambda a, size: a.expand(size), ref.expand),
)
for _name, _fn, _cases, _torch_fn, _reference in SPREAD_ARGUMENTS:
    op(_name, _fn, _cases, _torch_fn, [_name], reference=_reference)


op(
    "T",
    lambda a: a.T,
    unary(real),
    lambda a: a.permute(tuple(reversed(range(a.ndim)))),
    ["T"],
    reference=np.transpose,
)


op(
    "getitem_mixed",
    lambda a, array: a[None, ..., array, ::2],
    mixed_index(),
    lambda a, array: a[None, ..., torch.from_numpy(array), ::2],
    ["__getitem__"],
    reference=lambda a, array: a[None, ..., array, ::2],
)


@st.composite
def setitem_case(draw):
    """An input, a basic index into it, and a value shaped like the indexed part."""
    case = draw(basic_index())
    value = real(seeded_rng(draw), case.arrays[0][case.params["index"]].shape)
    return Case((case.arrays[0], value), case.params)


def _setitem_reference(a, value, index):
    copy = a.copy()
    copy[index] = value * 2
    return copy


def _setitem_in_graph(a, value, index):
    h = a * 1
    h[index] = value * 2
    return h


op(
    "setitem_in_graph",
    _setitem_in_graph,
    setitem_case(),
    _setitem_in_graph,
    ["__setitem__"],
    reference=_setitem_reference,
)


op(
    "gather",
    lambda a, dim, index: a.gather(dim, tg.tensor(index)),
    gathered(),
    lambda a, dim, index: a.gather(dim, torch.from_numpy(index)),
    ["gather"],
    reference=ref.gather,
)


op(
    "pad",
    _pad,
    padded(),
    lambda a, widths, value: torch.nn.functional.pad(a, _torch_pad_tuple(widths), value=value),
    reference=lambda a, widths, value: np.pad(a, widths, constant_values=value),
)


@st.composite
def pad_mode_case(draw, mode):
    """Reflect (pads below the size), replicate or circular (pads up to the size) of the last 1–2 dims."""
    shape = (draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    count = draw(st.integers(1, 2))
    limit = [shape[-1 - i] - (1 if mode == "reflect" else 0) for i in range(count)]
    pad = tuple(draw(st.integers(0, limit[i // 2])) for i in range(2 * count))
    return Case((real(seeded_rng(draw), shape),), {"pad": pad, "mode": mode})


@st.composite
def crop_pad_case(draw):
    """Constant padding with negative entries (a crop), as PyTorch allows."""
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    pad = tuple(draw(st.integers(-1, 2)) for _ in range(4))
    return Case((real(seeded_rng(draw), shape),), {"pad": pad, "value": draw(st.sampled_from([0.0, -1.5]))})


for _mode in ("reflect", "replicate", "circular"):
    op(
        f"F.pad_{_mode}",
        lambda a, pad, mode: F.pad(a, pad, mode),
        pad_mode_case(_mode),
        lambda a, pad, mode: torch.nn.functional.pad(a, pad, mode),
        reference=ref.pad,
    )


op(
    "F.pad_negative",
    lambda a, pad, value: F.pad(a, pad, value=value),
    crop_pad_case(),
    lambda a, pad, value: torch.nn.functional.pad(a, pad, value=value),
    reference=lambda a, pad, value: ref.pad(a, pad, value=value),
)


@st.composite
def embedding_case(draw):
    """A weight (num_embeddings, dim) and integer indices of any shape (repeats included). (The row
    ``padding_idx`` gets no gradient by design, which finite differences would contradict: it is
    compared with PyTorch in tests/nn/test_embedding_layernorm.py.)"""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    index_shape = draw(shapes(max_dims=2))
    rng = seeded_rng(draw)
    return Case((real(rng, (rows, cols)),), {"index": rng.integers(0, rows, index_shape)})


op(
    "F.embedding",
    lambda w, index: F.embedding(tg.tensor(index), w),
    embedding_case(),
    lambda w, index: torch.nn.functional.embedding(torch.from_numpy(index), w),
    reference=lambda w, index: w[index],
)
