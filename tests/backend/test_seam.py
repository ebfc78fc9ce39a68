"""The backend seam holds: outside ``tinygrad_edu/backend/`` no module does array math with NumPy,
and ``import tinygrad_edu`` never imports CuPy.

Array math goes through ``ctx.xp`` (ops) or ``tensor._backend()`` (Tensor), so that the same code
runs on NumPy ("cpu") and CuPy ("cuda"). A stray ``np.exp(x.data)`` works on the CPU and breaks
only on a GPU; the strict stand-in catches it when a test happens to run that line on "cuda",
this test catches it by reading the source. Every NumPy name used outside the backend package
must be on one of the lists below, each with the reason it is not array math.
"""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tinygrad_edu"
BACKEND = PACKAGE / "backend"

_SCALAR_TYPE = "a NumPy scalar type used as a dtype name"

# NumPy names allowed in any module: dtypes and helpers on dtypes and shapes (no arrays involved).
ALLOWED_EVERYWHERE = {
    "dtype": "dtype objects: tinygrad_edu's dtypes are NumPy dtype objects on every backend (CuPy's too)",
    "promote_types": "arithmetic on dtype objects (type promotion), no array involved",
    "result_type": "arithmetic on dtype objects (type promotion), no array involved",
    "can_cast": "a question about two dtypes, no array involved",
    "finfo": "the limits of a float dtype",
    "iinfo": "the limits of an integer dtype",
    "integer": "isinstance checks of NumPy integer scalars (a dim or size given as np.int64)",
    "floating": "isinstance checks of NumPy float scalars",
    "generic": "isinstance checks of NumPy scalars passed to an op as numbers",
    "bool_": _SCALAR_TYPE,
    "float16": _SCALAR_TYPE,
    "float32": _SCALAR_TYPE,
    "float64": _SCALAR_TYPE,
    "int8": _SCALAR_TYPE,
    "int16": _SCALAR_TYPE,
    "int32": _SCALAR_TYPE,
    "int64": _SCALAR_TYPE,
    "uint8": _SCALAR_TYPE,
    "broadcast_shapes": "arithmetic on shape tuples (Python ints), no array involved",
    "pi": "a Python float constant",
}

# NumPy names allowed in one module only.
ALLOWED_IN_MODULE = {
    "conversion.py": {
        "array2string": "repr() formats a host copy of the data (the backend's to_numpy), as CuPy does",
    },
    "dtypes.py": {
        "asarray": "infer_dtype asks NumPy which dtype nested Python lists would get (host data, before any "
        "backend sees it); only .dtype of the result is used",
    },
    "serialization.py": {
        # tg.save / tg.load write and read .npz files: host-side I/O. Device arrays reach it only
        # through the backend's to_numpy, and loaded arrays reach a device only through Tensor(...).
        "ndarray": "isinstance checks of host arrays (a NumPy array in a state dict, a member read back)",
        "asarray": "a NumPy scalar in a state dict becomes a 0-d host array for the file",
        "lib.format.write_array": "writes one .npy member of the archive",
        "lib.format.read_magic": "reads the version of one .npy member before its header",
        "lib.format.read_array_header_1_0": "reads one .npy header (shape, dtype) to check it before reading",
        "lib.format.read_array_header_2_0": "the same for .npy format 2.0 and 3.0",
        "empty": "the host array that a checked .npy member is read into, chunk by chunk",
    },
    "factories.py": {
        "ndarray": "from_numpy checks that it was given a NumPy array",
    },
    "gradcheck.py": {
        # Finite differences and Jacobians are host-side float64 bookkeeping: the tensors are read
        # through np.asarray(tensor) (Tensor.__array__, i.e. the backend's to_numpy) or .item(), and
        # perturbed through tensor.data[index] = number. Nothing here touches a device array with a
        # NumPy function; the "cuda" half of the gradcheck tests (strict stand-in) proves it at run time.
        "asarray": "host copies of outputs and gradients (np.asarray(tensor) calls to_numpy)",
        "zeros": "host-side Jacobian and seed buffers",
        "ndindex": "iterates over the indices of a shape (Python ints)",
        "stack": "assembles the host-side numerical Jacobian",
        "abs": "compares host-side Jacobians",
        "where": "compares host-side Jacobians",
        "isnan": "compares host-side Jacobians",
        "inf": "a Python float constant",
        "argmax": "finds the worst element of the host-side mismatch",
        "unravel_index": "turns a flat index into a multi-index for the error message (Python ints)",
        "random.default_rng": "host-side random seeds for gradgradcheck (become tensors through Tensor(...))",
    },
}

# Whole modules that work on host copies only, with the reason.
HOST_MODULES = {
    "viz/plots.py": "plots are drawn from host copies: every Tensor goes through to_numpy "
    "(tensor.detach().numpy()) before NumPy or matplotlib sees it",
    **{
        f"exercises/{name}.py": "the workbook grades on the CPU (grading.on_cpu): learners write NumPy, "
        "and the grader builds inputs and compares gradients as host arrays"
        for name in ("catalog", "checks", "capstone", "grading")
    },
    "playground/engine.py": "the playground computes on the host by design: its 2-D points, gradients and "
    'optimizer states live on the "cpu" device (NumPy) whatever the default device is',
    "playground/surfaces.py": 'the playground\'s surfaces are evaluated on "cpu" tensors (NumPy arrays) and, '
    "for the contour plot, on plain NumPy grids",
    **{
        path.relative_to(PACKAGE).as_posix(): "testing support: the op registry's cases and NumPy reference "
        "forwards are host arrays by design (they reach a device only through tg.tensor, and outputs come "
        "back through .numpy() before they are compared)"
        for path in (PACKAGE / "testing").rglob("*.py")
    },
}

# NumPy calls allowed at one exact call site (compared after ast.unparse, so formatting does not
# matter): math on Python numbers and shapes that happens to be spelled with NumPy.
ALLOWED_CALLS = {
    (
        "compositions.py",
        "np.sqrt(2 / np.pi)",
    ): "√(2/π), a Python float constant of the tanh GELU (math would do)",
    (
        "compositions.py",
        "np.prod([tensor.shape[a] for a in axes])",
    ): "the product of shape entries (Python ints)",
}


def _modules():
    """Every .py file of the package outside the backend package."""
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if BACKEND not in p.parents and p.relative_to(PACKAGE).as_posix() not in HOST_MODULES
    )


def _dotted(node):
    """``['random', 'default_rng']`` for ``np.random.default_rng`` (the attribute chain after the root)."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return node, names[::-1]


def numpy_uses(source, filename):
    """``(line, what, allowed, reason)`` for every use of NumPy in ``source`` (a module named
    ``filename``): imports of names from NumPy, ``np.<name>`` accesses, and ``np`` itself used as
    a value (``xp = np`` would hide what follows)."""
    tree = ast.parse(source)
    aliases = set()  # names bound to the numpy module (or a submodule): np, numpy, npr, ...
    uses = []
    allowed_here = {**ALLOWED_EVERYWHERE, **ALLOWED_IN_MODULE.get(filename, {})}
    allowed_calls = {
        ast.unparse(ast.parse(call, mode="eval").body): reason
        for (module, call), reason in ALLOWED_CALLS.items()
        if module == filename
    }

    def judge(line, dotted):
        reason = allowed_here.get(dotted)
        uses.append((line, f"numpy.{dotted}", reason is not None, reason))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy" or alias.name.startswith("numpy."):
                    if alias.asname:
                        aliases.add(alias.asname)
                        if alias.name != "numpy":  # import numpy.random as npr: npr.x is numpy.random.x
                            uses.append((node.lineno, f"import {alias.name}", False, None))
                    else:
                        aliases.add("numpy")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "numpy":
            prefix = node.module[len("numpy.") :] + "." if node.module != "numpy" else ""
            for alias in node.names:
                judge(node.lineno, prefix + alias.name)

    # Calls allowed by their exact text: their np.<name> parts are fine, the arguments are not
    # scanned further (they are part of the reviewed text).
    covered = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node) in allowed_calls:
            for inner in ast.walk(node):
                covered.add(id(inner))
            uses.append((node.lineno, ast.unparse(node), True, allowed_calls[ast.unparse(node)]))

    chain_parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in chain_parts:
            root, names = _dotted(node)
            if isinstance(root, ast.Name) and root.id in aliases:
                inner = node
                while isinstance(inner, ast.Attribute):  # the chain's inner links are part of this use
                    chain_parts.add(id(inner))
                    inner = inner.value
                chain_parts.add(id(root))
                if id(node) not in covered:
                    judge(node.lineno, ".".join(names))
    for node in ast.walk(tree):
        is_alias = isinstance(node, ast.Name) and node.id in aliases and isinstance(node.ctx, ast.Load)
        if is_alias and id(node) not in chain_parts and id(node) not in covered:
            uses.append((node.lineno, f"{node.id} (the numpy module as a value)", False, None))
    return uses


@pytest.fixture
def once(device):
    """These tests read source files or start a fresh interpreter: the default device is irrelevant."""
    if device != "cpu":
        pytest.skip("device-independent: checked in the 'cpu' half only")


def test_no_numpy_array_math_outside_the_backend(once):
    violations = []
    for path in _modules():
        for line, what, allowed, _ in numpy_uses(path.read_text(), path.name):
            if not allowed:
                violations.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not violations, (
        "NumPy used for array math outside tinygrad_edu/backend/ (use ctx.xp / tensor._backend(), or, "
        "if it is not array math, add the name with a reason to the lists in this test):\n"
        + "\n".join(violations)
    )


def test_the_scan_finds_the_package_modules(once):
    names = {p.relative_to(PACKAGE).as_posix() for p in _modules()}
    assert {"tensor.py", "gradcheck.py", "autograd/engine.py", "ops/elementwise.py"} <= names
    assert not any(name.startswith("backend/") for name in names)


BAD_SOURCES = {
    "np.exp on tensor data": "import numpy as np\ny = np.exp(x.data)\n",
    "plain import": "import numpy\ny = numpy.exp(x)\n",
    "from import": "from numpy import exp\n",
    "from import of a submodule": "from numpy.random import default_rng\n",
    "submodule alias": "import numpy.random as npr\nr = npr.default_rng()\n",
    "numpy as a value": "import numpy as np\nxp = np\ny = xp.exp(x)\n",
    "inside a function": "def f(x):\n    import numpy as onp\n    return onp.tanh(x)\n",
    "ndarray check": "import numpy as np\nok = isinstance(x, np.ndarray)\n",
    "a whitelisted call site with other arguments": "import numpy as np\nc = np.sqrt(x.data)\n",
    "module-only name in another module": "import numpy as np\ns = np.array2string(x.data)\n",
}


@pytest.mark.parametrize("name", list(BAD_SOURCES))
def test_the_scan_flags_array_math(once, name):
    uses = numpy_uses(BAD_SOURCES[name], "tensor.py" if "module-only" not in name else "engine.py")
    assert any(not allowed for _, _, allowed, _ in uses), uses


GOOD_SOURCE = """
import numpy as np

def promote(a, b, dim):
    if not isinstance(dim, (int, np.integer)):
        raise TypeError
    return np.promote_types(a.dtype, b.dtype), np.dtype(bool), np.broadcast_shapes(a.shape, b.shape)

c = float(np.sqrt(2 / np.pi))
"""


def test_the_scan_accepts_the_whitelist(once):
    uses = numpy_uses(GOOD_SOURCE, "compositions.py")
    assert uses and all(allowed for _, _, allowed, _ in uses), uses


def _run_python(code):
    """Run ``code`` in a fresh interpreter with the repository on ``sys.path``."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_does_not_import_cupy(once):
    result = _run_python(
        """
        import sys
        import tinygrad_edu as tg
        tg.zeros(2) + 1  # CPU work does not need CuPy either
        loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("cupy", "cupyx"))
        assert not loaded, loaded
        print("ok")
        """
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_import_works_where_cupy_cannot_be_imported(once):
    """A meta path finder that makes ``import cupy`` fail (as on a machine without it) and records
    the attempts: importing tinygrad_edu and CPU work never try; the first "cuda" use does, and
    fails with the install hint."""
    result = _run_python(
        """
        import sys

        attempts = []

        class NoCupy:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("cupy", "cupyx"):
                    attempts.append(name)
                    raise ImportError(f"No module named {name!r} (blocked by the test)")
                return None

        sys.meta_path.insert(0, NoCupy())
        import tinygrad_edu as tg

        x = tg.randn(3, requires_grad=True)
        (x * x).sum().backward()
        assert not attempts, attempts
        assert tg.cuda.is_available() is False
        assert tg.accelerator.current_accelerator() is None
        assert attempts, "tg.cuda.is_available() did not try to import CuPy"
        try:
            tg.zeros(2, device="cuda")
        except RuntimeError as error:
            assert 'pip install ".[gpu]"' in str(error), error
        else:
            raise AssertionError("no error without CuPy")
        print("ok")
        """
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
