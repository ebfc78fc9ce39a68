"""Every test runs on every device: "cpu" (NumPy) and "cuda".

"cuda" is CuPy on a real GPU when one is usable. Without one (CI), it is the strict stand-in
(``tinygrad_edu/backend/strict.py``): NumPy arrays behind a wall that, like CuPy arrays, refuse
implicit conversion to NumPy and NumPy's functions. So any code that reaches past the backend seam
fails the "cuda" half of the suite, GPU or not.

The device is the default device during the test (``tg.set_default_device``), so tests written
with plain ``tg.tensor(...)`` calls need no change. Tests that are about the CPU itself (NumPy
memory sharing, say) take the ``cpu_only`` marker.
"""

import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend

REAL_GPU = tg.cuda.is_available()
if not REAL_GPU:
    backend.register_backend("cuda", backend.strict_backend("cuda"))

DEVICES = ["cpu", "cuda"]


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_only: the test is about the CPU backend itself")


@pytest.fixture(scope="session", params=DEVICES, autouse=True)
def device(request):
    """The device every tensor of the test lands on by default."""
    previous = tg.get_default_device()
    tg.set_default_device(request.param)
    yield request.param
    tg.set_default_device(previous)


@pytest.fixture(autouse=True)
def _skip_cpu_only_off_cpu(request, device):
    if device != "cpu" and request.node.get_closest_marker("cpu_only"):
        pytest.skip("about the CPU backend itself")


def pytest_report_header(config):
    kind = "CuPy on a real GPU" if REAL_GPU else "the strict stand-in backend (no GPU here)"
    return f"tinygrad_edu: the 'cuda' device is {kind}"
