"""Run the pybp command line: ``python -m pybp --help``."""

import sys

from pybp.cli import main

if __name__ == "__main__":
    sys.exit(main())
