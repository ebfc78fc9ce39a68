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

# the same call in PyTorch: (name, fn(a), values, methods, reference)
SAME_IN_PYTORCH = (
    ("neg", lambda a: -a, real, ["__neg__"], np.negative),
    ("neg_method", lambda a: a.neg(), real, ["neg"], np.negative),
    ("abs", lambda a: a.abs(), nonzero, ["abs"], np.abs),
    ("abs_builtin", lambda a: abs(a), nonzero, ["__abs__"], np.abs),
    ("exp", lambda a: a.exp(), real, ["exp"], np.exp),
    ("log", lambda a: a.log(), positive, ["log"], np.log),
    ("log1p", lambda a: a.log1p(), above_minus_one, ["log1p"], np.log1p),
    ("expm1", lambda a: a.expm1(), real, ["expm1"], np.expm1),
    ("sqrt", lambda a: a.sqrt(), positive, ["sqrt"], np.sqrt),
    ("rsqrt", lambda a: a.rsqrt(), positive, ["rsqrt"], lambda a: 1 / np.sqrt(a)),
    ("sin", lambda a: a.sin(), real, ["sin"], np.sin),
    ("cos", lambda a: a.cos(), real, ["cos"], np.cos),
    ("tanh", lambda a: a.tanh(), wide, ["tanh"], np.tanh),
    ("sigmoid", lambda a: a.sigmoid(), wide, ["sigmoid"], ref.sigmoid),
    ("relu", lambda a: a.relu(), nonzero, ["relu"], lambda a: np.maximum(a, 0.0)),
    ("sign", lambda a: a.sign(), nonzero, ["sign"], np.sign),
    ("clamp_min", lambda a: a.clamp(min=-0.4), grid_odd, ["clamp"], lambda a: np.maximum(a, -0.4)),
    ("clamp_max", lambda a: a.clamp(max=0.6), grid_odd, ["clamp"], lambda a: np.minimum(a, 0.6)),
    ("clamp_both", lambda a: a.clamp(-0.4, 0.6), grid_odd, ["clamp"], lambda a: np.clip(a, -0.4, 0.6)),
    ("clip", lambda a: a.clip(-0.8, 0.4), grid_odd, ["clip"], lambda a: np.clip(a, -0.8, 0.4)),
    ("reciprocal", lambda a: a.reciprocal(), nonzero, ["reciprocal"], lambda a: 1 / a),
    ("square", lambda a: a.square(), real, ["square"], lambda a: a * a),
    ("clone", lambda a: a.clone(), real, ["clone"], np.copy),
    ("log2", lambda a: a.log2(), positive, ["log2"], np.log2),
    ("log10", lambda a: a.log10(), positive, ["log10"], np.log10),
)
for _name, _fn, _values, _methods, _reference in SAME_IN_PYTORCH:
    op(_name, _fn, unary(_values), _fn, _methods, reference=_reference)


def _method_pair(name, *args, **kwargs):
    """Our ``a.<name>(*drawn, *args, **kwargs)`` and PyTorch's ``torch.nn.functional.<name>(a, ...)``,
    the case's drawn parameters passed positionally (in the order the case draws them)."""
    ours = _method(name, *args, **kwargs)
    return ours, _functional(torch.nn.functional, name, *args, **kwargs)


def _functional_pair(name, *args, **kwargs):
    """``F.<name>(a, *drawn, *args, **kwargs)`` and the same function of ``torch.nn.functional``."""
    return _functional(F, name, *args, **kwargs), _functional(torch.nn.functional, name, *args, **kwargs)


def _method(name, *args, **kwargs):
    return lambda a, **drawn: getattr(a, name)(*drawn.values(), *args, **kwargs)


def _functional(module, name, *args, **kwargs):
    return lambda a, **drawn: getattr(module, name)(a, *drawn.values(), *args, **kwargs)


def _gelu_tanh(a):
    return ref.gelu(a, "tanh")


def _softplus_1_1(a):
    return ref.softplus(a, 1.0, 1.0)


def _softplus_20(a, beta):
    return ref.softplus(a, beta, 20.0)


_slopes = unary_with(nonzero, slope=st.sampled_from([0.01, 0.2, 1.5]))
_alphas = unary_with(nonzero, alpha=st.sampled_from([1.0, 0.5, 2.0]))
_betas = unary_with(wide, beta=st.sampled_from([1.0, 2.0, 0.5]))
_F_slopes = unary_with(nonzero, slope=st.sampled_from([0.01, 0.2]))
_F_betas = unary_with(wide, beta=st.sampled_from([1.0, 2.0]))

# activations, as a Tensor method and an nn.functional function: (name, cases, (fn, torch_fn),
# methods, reference); softplus_threshold is linear above the threshold (1.0 lies on the even grid:
# never straddled)
ACTIVATIONS = (
    ("leaky_relu", _slopes, _method_pair("leaky_relu"), ["leaky_relu"], ref.leaky_relu),
    ("leaky_relu_default", unary(nonzero), _method_pair("leaky_relu"), ["leaky_relu"], ref.leaky_relu),
    ("elu", _alphas, _method_pair("elu"), ["elu"], ref.elu),
    ("gelu", unary(wide), _method_pair("gelu"), ["gelu"], ref.gelu),
    ("gelu_tanh", unary(wide), _method_pair("gelu", approximate="tanh"), ["gelu"], _gelu_tanh),
    ("softplus", _betas, _method_pair("softplus"), ["softplus"], ref.softplus),
    ("softplus_threshold", unary(grid_odd), _method_pair("softplus", 1.0, 1.0), ["softplus"], _softplus_1_1),
    ("F.relu", unary(nonzero), _functional_pair("relu"), [], lambda a: np.maximum(a, 0.0)),
    ("F.leaky_relu", _F_slopes, _functional_pair("leaky_relu"), [], ref.leaky_relu),
    ("F.elu", unary(nonzero), _functional_pair("elu", 0.7), [], lambda a: ref.elu(a, 0.7)),
    ("F.softplus", _F_betas, _functional_pair("softplus", 20.0), [], _softplus_20),
)
for _name, _cases, (_fn, _torch_fn), _methods, _reference in ACTIVATIONS:
    op(_name, _fn, _cases, _torch_fn, _methods, reference=_reference)


op(
    "saturated_activations",
    lambda a: a.sigmoid() + a.tanh() + a.softplus() + a.exp().reciprocal().log1p(),
    unary(saturating),
    lambda a: a.sigmoid() + a.tanh() + torch.nn.functional.softplus(a) + a.exp().reciprocal().log1p(),
    ["sigmoid", "tanh", "softplus"],
    reference=lambda a: ref.sigmoid(a) + np.tanh(a) + ref.softplus(a) + np.log1p(np.exp(-a)),
)


op("erf", lambda a: tg.erf(a), unary(real), lambda a: torch.erf(a), ["tg.erf"], reference=ref.erf)


def _cast_to(dtype):
    return lambda a: a.astype(dtype)


# casts: (name, fn, torch_fn, methods, the input's dtype, the output's). Linear ops, so the wide
# finite-difference step a float32 input needs is exact up to float32 rounding, far inside rtol
CASTS = (
    ("to_float64", lambda a: a.to(tg.float64), lambda a: a.to(torch.float64), ["to"], np.float32, np.float64),
    ("double", lambda a: a.double(), lambda a: a.double(), ["double"], np.float32, np.float64),
    ("float", lambda a: a.float(), lambda a: a.float(), ["float"], np.float64, np.float32),
)
for _name, _fn, _torch_fn, _methods, _dtype, _result in CASTS:
    op(_name, _fn, unary(real), _torch_fn, _methods, dtype=_dtype, eps=1e-2, reference=_cast_to(_result))


op(
    "to_device_roundtrip",  # to the CPU and back, with the op behind .to(device) (a no-op on one device)
    lambda a: ToDevice.apply(ToDevice.apply(a, get_backend("cpu")), a._backend()),
    unary(real),
    lambda a: a.to("cpu"),
    reference=np.copy,
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


op("log2_function", lambda a: tg.log2(a) + tg.log10(a), unary(positive), lambda a: a.log2() + a.log10(),
   ["tg.log2", "tg.log10"], reference=lambda a: np.log2(a) + np.log10(a))  # fmt: skip
