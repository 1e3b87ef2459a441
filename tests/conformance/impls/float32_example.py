"""The bundled example implementation computing in float32 throughout, for the float32 profile.

The example's section modules look numpy up as their global `np` at call time; here (in the
worker process only) that global becomes a view of numpy whose float64 is float32 and whose
array constructors default to float32, so every intermediate stays in single precision (a
float32 input times a Python float stays float32 under numpy 2's promotion rules). Inputs are
cast to float32 and results returned as float32.
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy

from rlspec import spec

CONSTRUCTORS = ("zeros", "ones", "empty", "full", "eye", "identity", "array", "asarray", "linspace")


def _float32_default(make: Callable[..., Any]) -> Callable[..., Any]:
    """The constructor, giving float32 where numpy would give float64 (integers stay integers)."""

    def build(*args: Any, **kwargs: Any) -> Any:
        out = make(*args, **kwargs)
        return out.astype(numpy.float32) if getattr(out, "dtype", None) == numpy.float64 else out

    return build


class _Float32Numpy(types.ModuleType):
    """numpy, with float64 meaning float32 and float32 array constructors."""

    def __getattr__(self, name: str) -> Any:
        return getattr(numpy, name)


NP32 = _Float32Numpy("numpy_float32")
NP32.float64 = numpy.float32  # type: ignore[attr-defined]
for _name in CONSTRUCTORS:
    setattr(NP32, _name, _float32_default(getattr(numpy, _name)))


def _float32_version(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        result = fn(*[numpy.asarray(a, dtype=numpy.float32) for a in args])
        return numpy.asarray(result, dtype=numpy.float32)

    call.__name__ = fn.__name__
    return call


SECTION_PREFIXES = tuple(f.adapter_name.split("_")[0] + "_" for f in spec.formulas())

for _key in spec.SECTION_KEYS:
    try:
        _module = importlib.import_module(f"rlspec.conformance_tests.examples.np_{_key}")
    except ModuleNotFoundError:
        continue
    _module.np = NP32  # type: ignore[attr-defined]
    for _fname, _fn in vars(_module).items():
        if not _fname.startswith("_") and inspect.isfunction(_fn) and _fn.__module__ == _module.__name__:
            globals()[_fname] = _float32_version(_fn)
