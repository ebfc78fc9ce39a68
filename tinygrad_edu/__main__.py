"""``python -m tinygrad_edu demo | selfcheck | info``: see ``tinygrad_edu/cli.py``."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a test walks the package and imports every module
    sys.exit(main())
