"""The bundled example implementation: plain float64 numpy, every formula of the registry.

The functions live in one module per lecture section (`np_<section>.py` beside this file);
this module gathers them so that it can be handed to `rlspec conform` as one adapter.
"""

from __future__ import annotations

import importlib

from rlspec import spec

for _key in spec.SECTION_KEYS:
    try:
        _module = importlib.import_module(f"rlspec.conformance_tests.examples.np_{_key}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"rlspec.conformance_tests.examples.np_{_key}":
            raise
        continue
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("_") and callable(v)})
