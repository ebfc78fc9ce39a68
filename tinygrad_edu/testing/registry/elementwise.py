"""Entries of ``ops/elementwise.py``: the one-input ops (exp, log, activations, clamp, casts, ...)
and their ``nn.functional`` spellings."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.backend import get_backend
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.elementwise import ToDevice

from .. import strategies as st
from . import reference as ref
from .cases import above_minus_one, grid_odd, nonzero, positive, real, saturating, unary, unary_with, wide
from .entry import op, torch

op("neg", lambda a: -a, unary(real), lambda a: -a, ["__neg__"], reference=np.negative)


op("neg_method", lambda a: a.neg(), unary(real), lambda a: a.neg(), ["neg"], reference=np.negative)


op("abs", lambda a: a.abs(), unary(nonzero), lambda a: a.abs(), ["abs"], reference=np.abs)


op("abs_builtin", lambda a: abs(a), unary(nonzero), lambda a: abs(a), ["__abs__"], reference=np.abs)


op("exp", lambda a: a.exp(), unary(real), lambda a: a.exp(), ["exp"], reference=np.exp)


op("log", lambda a: a.log(), unary(positive), lambda a: a.log(), ["log"], reference=np.log)


op("log1p", lambda a: a.log1p(), unary(above_minus_one), lambda a: a.log1p(), ["log1p"], reference=np.log1p)


op("expm1", lambda a: a.expm1(), unary(real), lambda a: a.expm1(), ["expm1"], reference=np.expm1)


op("sqrt", lambda a: a.sqrt(), unary(positive), lambda a: a.sqrt(), ["sqrt"], reference=np.sqrt)


op(
    "rsqrt",
    lambda a: a.rsqrt(),
    unary(positive),
    lambda a: a.rsqrt(),
    ["rsqrt"],
    reference=lambda a: 1 / np.sqrt(a),
)


op("sin", lambda a: a.sin(), unary(real), lambda a: a.sin(), ["sin"], reference=np.sin)


op("cos", lambda a: a.cos(), unary(real), lambda a: a.cos(), ["cos"], reference=np.cos)


op("tanh", lambda a: a.tanh(), unary(wide), lambda a: a.tanh(), ["tanh"], reference=np.tanh)


op("sigmoid", lambda a: a.sigmoid(), unary(wide), lambda a: a.sigmoid(), ["sigmoid"], reference=ref.sigmoid)


op(
    "saturated_activations",
    lambda a: a.sigmoid() + a.tanh() + a.softplus() + a.exp().reciprocal().log1p(),
    unary(saturating),
    lambda a: a.sigmoid() + a.tanh() + torch.nn.functional.softplus(a) + a.exp().reciprocal().log1p(),
    ["sigmoid", "tanh", "softplus"],
    reference=lambda a: ref.sigmoid(a) + np.tanh(a) + ref.softplus(a) + np.log1p(np.exp(-a)),
)


op(
    "relu",
    lambda a: a.relu(),
    unary(nonzero),
    lambda a: a.relu(),
    ["relu"],
    reference=lambda a: np.maximum(a, 0.0),
)


op(
    "leaky_relu",
    lambda a, slope: a.leaky_relu(slope),
    unary_with(nonzero, slope=st.sampled_from([0.01, 0.2, 1.5])),
    lambda a, slope: torch.nn.functional.leaky_relu(a, slope),
    ["leaky_relu"],
    reference=ref.leaky_relu,
)


op(
    "leaky_relu_default",
    lambda a: a.leaky_relu(),
    unary(nonzero),
    lambda a: torch.nn.functional.leaky_relu(a),
    ["leaky_relu"],
    reference=ref.leaky_relu,
)


op(
    "elu",
    lambda a, alpha: a.elu(alpha),
    unary_with(nonzero, alpha=st.sampled_from([1.0, 0.5, 2.0])),
    lambda a, alpha: torch.nn.functional.elu(a, alpha),
    ["elu"],
    reference=ref.elu,
)


op(
    "gelu",
    lambda a: a.gelu(),
    unary(wide),
    lambda a: torch.nn.functional.gelu(a),
    ["gelu"],
    reference=ref.gelu,
)


op(
    "gelu_tanh",
    lambda a: a.gelu(approximate="tanh"),
    unary(wide),
    lambda a: torch.nn.functional.gelu(a, approximate="tanh"),
    ["gelu"],
    reference=lambda a: ref.gelu(a, "tanh"),
)


op(
    "softplus",
    lambda a, beta: a.softplus(beta),
    unary_with(wide, beta=st.sampled_from([1.0, 2.0, 0.5])),
    lambda a, beta: torch.nn.functional.softplus(a, beta),
    ["softplus"],
    reference=ref.softplus,
)


op(
    "softplus_threshold",  # linear above the threshold (1.0 lies on the even grid: never straddled)
    lambda a: a.softplus(1.0, 1.0),
    unary(grid_odd),
    lambda a: torch.nn.functional.softplus(a, 1.0, 1.0),
    ["softplus"],
    reference=lambda a: ref.softplus(a, 1.0, 1.0),
)


op("sign", lambda a: a.sign(), unary(nonzero), lambda a: a.sign(), ["sign"], reference=np.sign)


op(
    "clamp_min",
    lambda a: a.clamp(min=-0.4),
    unary(grid_odd),
    lambda a: a.clamp(min=-0.4),
    ["clamp"],
    reference=lambda a: np.maximum(a, -0.4),
)


op(
    "clamp_max",
    lambda a: a.clamp(max=0.6),
    unary(grid_odd),
    lambda a: a.clamp(max=0.6),
    ["clamp"],
    reference=lambda a: np.minimum(a, 0.6),
)


op(
    "clamp_both",
    lambda a: a.clamp(-0.4, 0.6),
    unary(grid_odd),
    lambda a: a.clamp(-0.4, 0.6),
    ["clamp"],
    reference=lambda a: np.clip(a, -0.4, 0.6),
)


op(
    "clip",
    lambda a: a.clip(-0.8, 0.4),
    unary(grid_odd),
    lambda a: a.clip(-0.8, 0.4),
    ["clip"],
    reference=lambda a: np.clip(a, -0.8, 0.4),
)


op(
    "reciprocal",
    lambda a: a.reciprocal(),
    unary(nonzero),
    lambda a: a.reciprocal(),
    ["reciprocal"],
    reference=lambda a: 1 / a,
)


op("square", lambda a: a.square(), unary(real), lambda a: a.square(), ["square"], reference=lambda a: a * a)


op("erf", lambda a: tg.erf(a), unary(real), lambda a: torch.erf(a), ["tg.erf"], reference=ref.erf)


op("clone", lambda a: a.clone(), unary(real), lambda a: a.clone(), ["clone"], reference=np.copy)


# float32 -> float64: a float32 input needs a wide finite-difference step (the op is linear, so a
# wide step is exact up to float32 rounding, far inside rtol)
op(
    "to_float64",
    lambda a: a.to(tg.float64),
    unary(real),
    lambda a: a.to(torch.float64),
    ["to"],
    dtype=np.float32,
    eps=1e-2,
    reference=lambda a: a.astype(np.float64),
)


op(
    "double",
    lambda a: a.double(),
    unary(real),
    lambda a: a.double(),
    ["double"],
    dtype=np.float32,
    eps=1e-2,
    reference=lambda a: a.astype(np.float64),
)


op(
    "float",
    lambda a: a.float(),
    unary(real),
    lambda a: a.float(),
    ["float"],
    eps=1e-2,
    reference=lambda a: a.astype(np.float32),
)


op(
    "to_device_roundtrip",  # to the CPU and back, with the op behind .to(device) (a no-op on one device)
    lambda a: ToDevice.apply(ToDevice.apply(a, get_backend("cpu")), a._backend()),
    unary(real),
    lambda a: a.to("cpu"),
    reference=np.copy,
)


op(
    "F.relu",
    lambda a: F.relu(a),
    unary(nonzero),
    lambda a: torch.nn.functional.relu(a),
    reference=lambda a: np.maximum(a, 0.0),
)


op(
    "F.leaky_relu",
    lambda a, slope: F.leaky_relu(a, slope),
    unary_with(nonzero, slope=st.sampled_from([0.01, 0.2])),
    lambda a, slope: torch.nn.functional.leaky_relu(a, slope),
    reference=ref.leaky_relu,
)


op(
    "F.elu",
    lambda a: F.elu(a, 0.7),
    unary(nonzero),
    lambda a: torch.nn.functional.elu(a, 0.7),
    reference=lambda a: ref.elu(a, 0.7),
)


op(
    "F.gelu",
    lambda a, approximate: F.gelu(a, approximate=approximate),
    unary_with(wide, approximate=st.sampled_from(["none", "tanh"])),
    lambda a, approximate: torch.nn.functional.gelu(a, approximate=approximate),
    reference=ref.gelu,
)


op("F.sigmoid", lambda a: F.sigmoid(a), unary(wide), lambda a: torch.sigmoid(a), reference=ref.sigmoid)


op("F.tanh", lambda a: F.tanh(a), unary(wide), lambda a: torch.tanh(a), reference=np.tanh)


op(
    "F.softplus",
    lambda a, beta: F.softplus(a, beta, 20.0),
    unary_with(wide, beta=st.sampled_from([1.0, 2.0])),
    lambda a, beta: torch.nn.functional.softplus(a, beta, 20.0),
    reference=lambda a, beta: ref.softplus(a, beta, 20.0),
)


op("log2", lambda a: a.log2(), unary(positive), lambda a: a.log2(), ["log2"], reference=np.log2)


op("log10", lambda a: a.log10(), unary(positive), lambda a: a.log10(), ["log10"], reference=np.log10)


op("log2_function", lambda a: tg.log2(a) + tg.log10(a), unary(positive), lambda a: a.log2() + a.log10(),
   ["tg.log2", "tg.log10"], reference=lambda a: np.log2(a) + np.log10(a))  # fmt: skip
