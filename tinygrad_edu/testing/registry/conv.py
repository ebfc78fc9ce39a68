"""Entries of ``ops/conv.py``: Convolution, MaxPooling, AvgPooling, Im2col (``F.unfold``) and
Col2im (``F.fold``). Small images (N ≤ 2, C ≤ 4, H, W ≤ 5) keep gradgradcheck fast."""

from __future__ import annotations

import warnings

from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import bools, distinct, real, seeded_rng
from .entry import Case, op, torch


@st.composite
def conv_case(draw, string_padding=False, groups=(1, 2), max_side=5):
    """An image batch, a kernel bank (groups included), sometimes a bias, and the window's
    stride/padding/dilation. At most 4 channels in and out: gradgradcheck of a convolution is costly."""
    n = draw(st.integers(1, 2))
    group_count = draw(st.sampled_from(groups))
    per_group_in, per_group_out = draw(
        st.sampled_from([(1, 1), (1, 2), (2, 1)] + [(2, 2)] * (group_count == 1))
    )
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    params = {
        "stride": draw(st.sampled_from([1, 2, (1, 2)])),
        "padding": draw(st.sampled_from([0, 1, (1, 0)])),
        "dilation": draw(st.sampled_from([1, 1, 2])),
    }
    if string_padding:
        params = {"padding": draw(st.sampled_from(["same", "valid"])), "dilation": params["dilation"]}
    smallest = max(params["dilation"] * (k - 1) + 1 for k in kernel)
    size = tuple(draw(st.integers(smallest, max(smallest, max_side))) for _ in range(2))
    rng = seeded_rng(draw)
    arrays = [
        real(rng, (n, per_group_in * group_count) + size),
        real(rng, (per_group_out * group_count, per_group_in) + kernel),
    ]
    if draw(st.booleans()):
        arrays.append(real(rng, (per_group_out * group_count,)))
    return Case(tuple(arrays), {**params, "groups": group_count})


def _conv2d(functional):
    def call(x, w, *bias, **window):
        with warnings.catch_warnings():  # PyTorch notes that padding="same" may copy the input
            warnings.simplefilter("ignore")
            return functional.conv2d(x, w, bias[0] if bias else None, **window)

    return call


@st.composite
def pool_case(draw, domain=distinct, dilation=False):
    """An image batch and a pooling window; padding at most half the kernel (PyTorch's rule)."""
    kernel = draw(st.integers(1, 3))
    d = draw(st.sampled_from([1, 2])) if dilation else 1
    reach = d * (kernel - 1) + 1
    params = {
        "kernel_size": kernel,
        "stride": draw(st.sampled_from([None, 1, 2])),
        "padding": draw(st.integers(0, kernel // 2)),
    }
    if dilation:
        params["dilation"] = d
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(reach, 5)),
        draw(st.integers(reach, 5)),
    )
    return Case((domain(seeded_rng(draw), shape),), params)


@st.composite
def fold_case(draw):
    """Columns (N, C·kh·kw, L) that fold into an image of ``output_size``."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, padding = draw(st.sampled_from([1, 2])), draw(st.integers(0, 1))
    size = (draw(st.integers(kernel[0], 5)), draw(st.integers(kernel[1], 5)))
    blocks = [(s + 2 * padding - k) // stride + 1 for s, k in zip(size, kernel)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)) * kernel[0] * kernel[1], blocks[0] * blocks[1])
    params = {"output_size": size, "kernel_size": kernel, "stride": stride, "padding": padding}
    return Case((real(seeded_rng(draw), shape),), params)


op("F.conv2d", _conv2d(F), conv_case(), _conv2d(torch.nn.functional), reference=ref.conv2d)


op(
    "F.conv2d_same_valid",
    _conv2d(F),
    conv_case(string_padding=True, groups=(1,), max_side=4),
    _conv2d(torch.nn.functional),
    reference=ref.conv2d,
)


op(
    "F.conv2d_unbatched",  # (C, H, W) images, as PyTorch accepts
    _conv2d(F),
    st.builds(lambda c: Case((c.arrays[0][0], *c.arrays[1:]), c.params), conv_case(groups=(1,), max_side=4)),
    _conv2d(torch.nn.functional),
    reference=ref.conv2d,
)


op(
    "F.max_pool2d",
    lambda x, **window: F.max_pool2d(x, **window),
    pool_case(dilation=True),
    lambda x, **window: torch.nn.functional.max_pool2d(x, **window),
    reference=ref.max_pool2d,
)


op(
    "F.avg_pool2d",
    lambda x, count_include_pad, **window: F.avg_pool2d(x, count_include_pad=count_include_pad, **window),
    st.builds(
        lambda c, include: Case(c.arrays, {**c.params, "count_include_pad": include}), pool_case(real), bools
    ),
    lambda x, count_include_pad, **window: torch.nn.functional.avg_pool2d(
        x, count_include_pad=count_include_pad, **window
    ),
    reference=ref.avg_pool2d,
)


op(
    "F.avg_pool2d_divisor",
    lambda x, **window: F.avg_pool2d(x, divisor_override=3, **window),
    pool_case(real),
    lambda x, **window: torch.nn.functional.avg_pool2d(x, divisor_override=3, **window),
    reference=lambda x, **window: ref.avg_pool2d(x, divisor_override=3, **window),
)


op(
    "F.unfold",
    lambda x, **window: F.unfold(x, **window),
    st.builds(
        lambda c: Case(c.arrays, {**c.params, "stride": c.params["stride"] or 1}),
        pool_case(real, dilation=True),
    ),
    lambda x, **window: torch.nn.functional.unfold(x, **window),
    reference=ref.unfold,
)


op(
    "F.fold",
    lambda cols, **window: F.fold(cols, **window),
    fold_case(),
    lambda cols, **window: torch.nn.functional.fold(cols, **window),
    reference=ref.fold,
)
