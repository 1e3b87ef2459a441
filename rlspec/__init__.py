"""rlspec: ground truth for policy optimization.

One import package; its subpackages are the repository's top-level folders:

- `rlspec.spec`: the formula registry (data: ids, signatures, shapes, tolerances);
- `rlspec.reference`: the mpmath reference, one pure function per formula;
- `rlspec.oracle`: instances, precision, error bounds, golden vectors;
- `rlspec.conformance_tests`: the conformance suite and the grader;
- `rlspec.vectors`: the shipped golden vector sets (package data);
- `rlspec.cli`: the `rlspec` command line (parses arguments and dispatches, nothing else).

Layers run one way: spec <- reference <- oracle <- conformance_tests <- cli.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rlspec")
except PackageNotFoundError:  # pragma: no cover - running from a checkout that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
