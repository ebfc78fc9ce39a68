"""Small data sets for the course: synthetic ones drawn on the fly, real ones bundled with scikit-learn.

Every function returns Tensors on the default device: float32 features, int64 class labels. Pass
``seed`` for a fixed draw; without it the draw comes from the library's stream (``tg.manual_seed``).
"""

import math

from .. import backend as backends
from .. import dtypes
from ..factories import linspace
from ..functions import exp
from ..tensor import Tensor


def _random_source(seed):
    """The default device's array library and a generator on it: private when seeded, else shared."""
    xp = backends.get_backend()
    return xp, (xp.rng if seed is None else xp.module.random.default_rng(seed))


def _features(array):
    return Tensor._make(array.astype(dtypes.float32))


def _labels(array):
    return Tensor._make(array.astype(dtypes.int64))


# ---- synthetic data ---------------------------------------------------------------------------


def linear_data(n=50, slope=1.0, noise=0.5, seed=None):
    """Points on a noisy line: x ~ N(0, 1), y = slope·x + noise·N(0, 1); both of shape (n, 1).

    >>> x, y = tg.data.datasets.linear_data(100, slope=2.0, seed=0)   # fit y ≈ w·x, expect w ≈ 2
    """
    _, rng = _random_source(seed)
    x = rng.standard_normal((n, 1))
    y = slope * x + noise * rng.standard_normal((n, 1))
    return _features(x), _features(y)


def blobs(n=200, centers=2, std=1.0, seed=None):
    """Gaussian clusters around ``centers`` points spaced on a circle of radius 3: x (n, 2), y (n,)."""
    xp, rng = _random_source(seed)
    label = xp.arange(n) % centers  # balanced classes
    angle = 2 * math.pi * label / centers
    middle = xp.stack([3 * xp.cos(angle), 3 * xp.sin(angle)], axis=1)
    return _features(middle + std * rng.standard_normal((n, 2))), _labels(label)


def moons(n=200, noise=0.1, seed=None):
    """Two interleaving half circles (class 0 on top, class 1 below): x (n, 2), y (n,)."""
    xp, rng = _random_source(seed)
    label = xp.arange(n) % 2
    t = math.pi * rng.random(n)  # position along the half circle
    top = xp.stack([xp.cos(t), xp.sin(t)], axis=1)
    bottom = xp.stack([1 - xp.cos(t), 0.5 - xp.sin(t)], axis=1)
    points = xp.where(label[:, None] == 0, top, bottom)
    return _features(points + noise * rng.standard_normal((n, 2))), _labels(label)


def spirals(n=300, classes=3, noise=0.2, seed=None):
    """``classes`` interleaved spiral arms (CS231n's toy set): x (n, 2), y (n,).

    Arm k: radius r ∈ [0, 1) and angle θ = 4r + 2πk/classes + noise·N(0, 1).
    """
    xp, rng = _random_source(seed)
    label = xp.arange(n) % classes
    radius = (xp.arange(n) // classes) / math.ceil(n / classes)
    theta = 4 * radius + 2 * math.pi * label / classes + noise * rng.standard_normal(n)
    points = xp.stack([radius * xp.sin(theta), radius * xp.cos(theta)], axis=1)
    return _features(points), _labels(label)


def peaks(x, y):
    """MATLAB's ``peaks`` surface, built from Tensor ops so it is differentiable in ``x`` and ``y``.

    z = 3(1−x)² e^(−x²−(y+1)²) − 10(x/5 − x³ − y⁵) e^(−x²−y²) − e^(−(x+1)²−y²)/3

    >>> p = tg.tensor([0.5, -0.5], requires_grad=True)
    >>> tg.data.datasets.peaks(p[0], p[1]).backward()    # p.grad: the slope to descend
    """
    x = x if isinstance(x, Tensor) else Tensor(x, dtype=dtypes.float32)
    y = y if isinstance(y, Tensor) else Tensor(y, dtype=dtypes.float32)
    hill = 3 * (1 - x) ** 2 * exp(-(x**2) - (y + 1) ** 2)
    ridge = 10 * (x / 5 - x**3 - y**5) * exp(-(x**2) - y**2)
    dip = exp(-((x + 1) ** 2) - y**2) / 3
    return hill - ridge - dip


def peaks_grid(n=100, lim=3):
    """``peaks`` on an n×n grid over [−lim, lim]²: NumPy arrays (X, Y, Z) ready for ``plt.contour``."""
    axis = linspace(-lim, lim, n)
    X = axis.reshape(1, n).expand(n, n)
    Y = axis.reshape(n, 1).expand(n, n)
    return X.numpy(), Y.numpy(), peaks(X, Y).numpy()


# ---- real data bundled with scikit-learn -------------------------------------------------------


def _sklearn_datasets():
    """``sklearn.datasets``, imported only when a real data set is asked for."""
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            "the real data sets come with scikit-learn: pip install scikit-learn  "
            '(from a checkout: pip install ".[data]")'
        ) from None
    return datasets


def _split(labels, test_size, seed, stratify):
    """Train and test row indices; stratified: each class split in the same proportion."""
    host = backends.get_backend("cpu")  # scikit-learn's arrays live on the host
    rng = host.module.random.default_rng(seed)
    everything = [host.arange(len(labels))]
    groups = [host.flatnonzero(labels == c) for c in host.unique(labels)] if stratify else everything
    train, test = [], []
    for rows in groups:
        rows = rng.permutation(rows)
        cut = round(test_size * len(rows))
        test.append(rows[:cut])
        train.append(rows[cut:])
    return rng.permutation(host.concatenate(train)), rng.permutation(host.concatenate(test))


def _load(name, test_size, seed, normalize, classification):
    """(x_train, y_train, x_test, y_test) of one scikit-learn data set, split and as Tensors."""
    if not 0 < test_size < 1:
        raise ValueError(f"load_{name}: test_size must be in (0, 1), got {test_size!r}")
    x, y = getattr(_sklearn_datasets(), f"load_{name}")(return_X_y=True)
    host = backends.get_backend("cpu")
    x = x.astype(dtypes.float32)
    train, test = _split(y, test_size, seed, stratify=classification)
    if normalize:  # standardize with the training set's statistics only (no peeking at the test set)
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        x = (x - mean) / host.where(std > 0, std, 1)  # constant features (blank pixels) stay 0
    y = y.astype(dtypes.int64) if classification else y.astype(dtypes.float32).reshape(-1, 1)
    return Tensor(x[train]), Tensor(y[train]), Tensor(x[test]), Tensor(y[test])


def load_digits(test_size=0.2, seed=0, normalize=True):
    """8×8 handwritten digits (1797 samples, 64 features, 10 classes), split stratified by class."""
    return _load("digits", test_size, seed, normalize, classification=True)


def load_iris(test_size=0.2, seed=0, normalize=True):
    """Fisher's iris flowers (150 samples, 4 features, 3 classes), split stratified by class."""
    return _load("iris", test_size, seed, normalize, classification=True)


def load_breast_cancer(test_size=0.2, seed=0, normalize=True):
    """Wisconsin breast-cancer diagnosis (569 samples, 30 features, 2 classes), stratified split."""
    return _load("breast_cancer", test_size, seed, normalize, classification=True)


def load_diabetes(test_size=0.2, seed=0, normalize=True):
    """Diabetes progression regression (442 samples, 10 features); targets float32 of shape (n, 1)."""
    return _load("diabetes", test_size, seed, normalize, classification=False)
