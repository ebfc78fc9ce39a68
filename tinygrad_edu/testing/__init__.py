"""Testing support that ships with the package: the op registry (``tinygrad_edu.testing.registry``),
from which both the test suite and ``python -m tinygrad_edu selfcheck`` are generated."""
