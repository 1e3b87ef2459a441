"""`python -m rlspec ...` is the `rlspec` command."""

import sys

from rlspec.cli import main

sys.exit(main())
