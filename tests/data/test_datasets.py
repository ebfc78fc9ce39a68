"""The course's data sets: shapes, dtypes, determinism; peaks against NumPy; the sklearn loaders."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import datasets

SYNTHETIC = [
    (datasets.linear_data, {"n": 30}, (30, 1), (30, 1), np.float32),
    (datasets.blobs, {"n": 40, "centers": 3}, (40, 2), (40,), np.int64),
    (datasets.moons, {"n": 40}, (40, 2), (40,), np.int64),
    (datasets.spirals, {"n": 31, "classes": 3}, (31, 2), (31,), np.int64),
]


@pytest.mark.parametrize(("make", "kwargs", "x_shape", "y_shape", "y_dtype"), SYNTHETIC)
def test_synthetic_shapes_dtypes_and_seeding(make, kwargs, x_shape, y_shape, y_dtype, device):
    x, y = make(**kwargs, seed=0)
    assert x.shape == x_shape and y.shape == y_shape
    assert x.dtype == np.float32 and y.dtype == y_dtype
    assert x.device == tg.device(device)
    x2, y2 = make(**kwargs, seed=0)
    x3, _ = make(**kwargs, seed=1)
    np.testing.assert_array_equal(np.asarray(x), np.asarray(x2))
    np.testing.assert_array_equal(np.asarray(y), np.asarray(y2))
    assert not np.array_equal(np.asarray(x), np.asarray(x3))
    tg.manual_seed(5)
    a, _ = make(**kwargs)
    tg.manual_seed(5)
    b, _ = make(**kwargs)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_classification_sets_are_balanced():
    for make, kwargs in [(datasets.blobs, {"centers": 4}), (datasets.moons, {}), (datasets.spirals, {})]:
        _, y = make(n=120, seed=0, **kwargs)
        counts = np.bincount(np.asarray(y))
        assert counts.min() == counts.max(), make.__name__


def test_linear_data_follows_slope():
    x, y = datasets.linear_data(n=2000, slope=3.0, noise=0.5, seed=0)
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    slope = (x @ y) / (x @ x)
    residual = y - slope * x
    assert abs(slope - 3.0) < 0.05
    assert abs(residual.std() - 0.5) < 0.05


def _peaks_numpy(x, y):
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - np.exp(-((x + 1) ** 2) - y**2) / 3
    )


def test_peaks_matches_formula():
    points = [(0.0, 0.0), (0.5, -1.2), (-1.3, 0.7), (2.0, 2.0)]
    for px, py in points:
        value = datasets.peaks(tg.tensor(px), tg.tensor(py)).item()
        assert value == pytest.approx(_peaks_numpy(px, py), rel=1e-5, abs=1e-6)


def test_peaks_gradcheck():
    x = tg.tensor([0.3, -1.1, 1.5], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([-0.4, 0.8, 0.2], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(datasets.peaks, (x, y))


def test_peaks_grid():
    X, Y, Z = datasets.peaks_grid(n=7, lim=3)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    assert X[0, 0] == -3 and Y[-1, 0] == 3
    expected = _peaks_numpy(X.astype(np.float64), Y.astype(np.float64))
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-5)


def test_sklearn_loaders():
    pytest.importorskip("sklearn")
    x_train, y_train, x_test, y_test = datasets.load_digits(test_size=0.2, seed=0)
    assert x_train.shape[0] + x_test.shape[0] == 1797
    assert x_train.shape[1] == 64 and x_test.shape[0] == pytest.approx(0.2 * 1797, abs=10)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    test_counts = np.bincount(np.asarray(y_test), minlength=10)
    assert test_counts.min() >= 30  # stratified: every digit in the test set
    np.testing.assert_allclose(np.asarray(x_train).mean(axis=0), 0, atol=1e-4)  # standardized
    again = datasets.load_digits(test_size=0.2, seed=0)
    np.testing.assert_array_equal(np.asarray(y_test), np.asarray(again[3]))
    for load, n, features in [
        (datasets.load_iris, 150, 4),
        (datasets.load_breast_cancer, 569, 30),
        (datasets.load_diabetes, 442, 10),
    ]:
        xa, ya, xb, _ = load()
        assert xa.shape[0] + xb.shape[0] == n and xa.shape[1] == features
    assert ya.dtype == np.float32 and ya.shape[1:] == (1,)  # diabetes: a regression target
    with pytest.raises(ValueError, match=r"test_size.*1\.5"):
        datasets.load_iris(test_size=1.5)


def test_missing_sklearn_message(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(ImportError, match=r'pip install scikit-learn .*pip install "\.\[data\]"'):
        datasets.load_iris()
