"""Loss landscapes: the loss of a model along random directions in parameter space.

Li, Xu, Taylor, Studer & Goldstein (2018), "Visualizing the Loss Landscape of Neural Nets": pick a
random direction d (one tensor per parameter), plot J(θ + a·d) against a (a line), or pick two and
plot J(θ + a·d₁ + b·d₂) over a grid (a contour map). Raw Gaussian directions make the picture depend
on the scale of the weights (the same network with larger weights looks flatter), so the
paper normalises each *filter* of d to the norm of the same filter of θ:

    dᵢ ← dᵢ / ‖dᵢ‖ · ‖θᵢ‖      (for a Linear weight, a filter is one output neuron's row)

and sets the direction of biases (1-D parameters) to zero, the paper's choice, followed here.

>>> d = viz.random_direction(model.parameters(), seed=0)
>>> losses = viz.loss_landscape_1d(model, lambda m: F.cross_entropy(m(x), y), d, [-1, -0.5, 0, 0.5, 1])

Everything runs with Tensor ops on the parameters' own devices; the results come back as Python floats.
"""

from ..autograd import no_grad
from ..factories import zeros_like
from ..tensor import Tensor


def random_direction(params, filter_normalize=True, seed=None):
    """A Gaussian direction in parameter space: one tensor per parameter, same shape, dtype and device.

    With ``filter_normalize`` (Li et al. 2018), each filter (slice along dim 0 of a parameter with two
    or more dims: a Linear layer's row, a Conv2d layer's output channel) is rescaled to the norm of the
    same filter of the parameter, and 1-D parameters (biases) get a zero direction. Without it, every
    entry is a plain N(0, 1) sample. ``seed`` draws from a private generator (else the library's stream,
    which ``tg.manual_seed`` seeds).
    """
    params = _as_parameter_list(params, "random_direction")
    generators = {}  # one private generator per device, when seeded
    direction = []
    for param in params:
        sample = _gaussian_like(param, seed, generators)
        if filter_normalize:
            sample = _filter_normalized(sample, param.detach())
        direction.append(sample)
    return direction


def loss_landscape_1d(model, loss_fn, direction, alphas):
    """The losses J(θ + a·d) for each a in ``alphas``, as a list of floats (θ is restored afterwards).

    ``model``: a Module (or a list of parameters); ``loss_fn(model)`` returns the scalar loss;
    ``direction``: one tensor per parameter, e.g. from ``random_direction``.
    """
    params = _as_parameter_list(model, "loss_landscape_1d")
    _check_direction(params, direction, "loss_landscape_1d", "direction")
    alphas = _numbers(alphas, "loss_landscape_1d", "alphas")
    with _moved(params) as move_to:
        return [_loss_at(move_to, loss_fn, model, [(a, direction)], "loss_landscape_1d") for a in alphas]


def loss_landscape_2d(model, loss_fn, d1, d2, alphas, betas):
    """The losses J(θ + a·d₁ + b·d₂) on a grid: a list of ``len(betas)`` rows of ``len(alphas)`` floats.

    Row i holds b = betas[i], column j holds a = alphas[j] (the layout contour plots expect).
    """
    params = _as_parameter_list(model, "loss_landscape_2d")
    _check_direction(params, d1, "loss_landscape_2d", "d1")
    _check_direction(params, d2, "loss_landscape_2d", "d2")
    alphas = _numbers(alphas, "loss_landscape_2d", "alphas")
    betas = _numbers(betas, "loss_landscape_2d", "betas")
    with _moved(params) as move_to:
        return [
            [_loss_at(move_to, loss_fn, model, [(a, d1), (b, d2)], "loss_landscape_2d") for a in alphas]
            for b in betas
        ]


# ---- helpers -----------------------------------------------------------------------------------------


class _moved:
    """Context manager: yields ``move_to(steps)`` that sets θ ← θ₀ + Σ aₖ·dₖ; restores θ₀ exactly on exit.

    θ₀ is kept as a copy and every point is set from it (never by adding steps up), so no rounding
    drifts in, and the ``finally`` of ``with`` puts the copy back even when ``loss_fn`` raises.
    """

    def __init__(self, params):
        self.params = params

    def __enter__(self):
        with no_grad():
            self.origin = [param.detach().clone() for param in self.params]
        return self.move_to

    def move_to(self, steps):
        with no_grad():
            for i, (param, theta) in enumerate(zip(self.params, self.origin)):
                point = theta
                for coefficient, direction in steps:
                    point = point + direction[i].detach() * coefficient
                param.copy_(point)

    def __exit__(self, *exc_info):
        with no_grad():
            for param, theta in zip(self.params, self.origin):
                param.copy_(theta)
        return False


def _loss_at(move_to, loss_fn, model, steps, op):
    """The loss (a float) at θ₀ + Σ aₖ·dₖ, evaluated without recording a graph."""
    move_to(steps)
    with no_grad():
        loss = loss_fn(model)
    if isinstance(loss, Tensor) and loss.numel() != 1:
        raise ValueError(f"{op}: loss_fn must return a scalar, got a tensor of shape {loss.shape}")
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}: loss_fn must return a scalar Tensor or number, got {type(loss).__name__}"
        ) from None


def _as_parameter_list(source, op):
    """``source.parameters()`` for a Module, else the iterable of Tensors itself, as a list."""
    params = source.parameters() if hasattr(source, "parameters") else source
    if isinstance(params, Tensor):
        raise TypeError(
            f"{op}: expected a Module or an iterable of Tensors, got a single Tensor (wrap it in a list)"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{op}: expected a Module or an iterable of Tensors, got {type(source).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{op}: got no parameters")
    for param in params:
        if not isinstance(param, Tensor):
            raise TypeError(f"{op}: expected Tensors as parameters, got {type(param).__name__}")
    return params


def _check_direction(params, direction, op, name):
    """A direction has one tensor per parameter, each of its shape and on its device."""
    direction = list(direction) if not isinstance(direction, Tensor) else [direction]
    if len(direction) != len(params):
        raise ValueError(f"{op}: {name} has {len(direction)} tensors, the model has {len(params)} parameters")
    for i, (d, param) in enumerate(zip(direction, params)):
        if not isinstance(d, Tensor):
            raise TypeError(f"{op}: {name}[{i}] must be a Tensor, got {type(d).__name__}")
        if d.shape != param.shape:
            raise ValueError(f"{op}: {name}[{i}] has shape {d.shape}, parameter {i} has shape {param.shape}")
        if d.device != param.device:
            raise RuntimeError(f"{op}: {name}[{i}] is on {d.device}, parameter {i} on {param.device}")


def _numbers(values, op, name):
    """``values`` (a list, range, array or 1-D Tensor of numbers) as a list of Python floats."""
    if isinstance(values, Tensor):
        values = values.tolist()
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a sequence of numbers, got {type(values).__name__}") from None


def _gaussian_like(param, seed, generators):
    """N(0, 1) samples shaped like ``param``: from the library's stream, or a private seeded generator."""
    xp = param._backend()
    if seed is None:
        rng = xp.rng
    else:
        rng = generators.get(xp.name)
        if rng is None:
            rng = generators[xp.name] = xp.random.default_rng(seed)
    return Tensor._make(xp.astype(rng.standard_normal(param.shape), param.dtype))


def _filter_normalized(sample, theta):
    """Each filter (row along dim 0) of ``sample`` rescaled to the norm of θ's filter; biases get zero."""
    if theta.ndim <= 1:
        return zeros_like(theta)  # the paper's choice: biases (and other 1-D parameters) do not move
    rows = theta.shape[0]
    sample_rows = sample.reshape(rows, -1)
    sample_norms = sample_rows.norm(dim=1, keepdim=True)
    theta_norms = theta.reshape(rows, -1).norm(dim=1, keepdim=True)
    tiny = 1e-12  # a zero row of the sample (practically impossible) stays zero instead of NaN
    return (sample_rows * (theta_norms / (sample_norms + tiny))).reshape(theta.shape)
