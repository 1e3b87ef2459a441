"""A failure's artifacts: the smallest failing instance as instance JSON, and a standalone repro
script (numpy only) that calls the user's function on it and prints expected vs got."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from rlspec.conformance_tests.compare import EPS64, Outcome
from rlspec.conformance_tests.worker import is_path
from rlspec.oracle.instance import dumps
from rlspec.spec.formula import Formula

TEMPLATE = '''#!/usr/bin/env python3
"""rlspec conformance failure: {formula_id} ({section}).

Calls {function}() of {impl} on instance.json (next to this file) and compares it with the
oracle's value ({source}). Needs only numpy. Exit status 1 while the failure persists, 0 once
the function conforms. The comparison: max |got - expected| <= {factor} * eps64 * {scale_text}
(= {limit_repr} on this instance), against the lecture's value or a declared convention.
"""

import importlib
import importlib.util
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
IMPL = {impl_repr}
IMPL_IS_PATH = {impl_is_path}
SEARCH_PATH = {search_path}
FUNCTION = {function!r}
ARGS = {args}  # (name, where in the instance), in call order
EXPECTED = {expected}  # meaning -> (value as float64, absolute tolerance, eps64 * scale)
EXPECTED_DIGITS = {digits}


def number(x):
    if isinstance(x, list):
        return [number(v) for v in x]
    if isinstance(x, str):
        x = x.strip()
        if "/" in x:
            p, q = x.split("/")
            return float(Fraction(int(p), int(q)))
        return float(Fraction(x))
    return float(x)


def argument(instance, source):
    if source.startswith("params."):
        value = instance["params"][source[len("params."):]]
    else:
        value = instance[source]
    array = np.asarray(number(value), dtype=np.float64)
    return np.float64(array) if array.ndim == 0 else array


def load_impl():
    for folder in SEARCH_PATH:
        if folder not in sys.path:
            sys.path.insert(0, folder)
    if not IMPL_IS_PATH:
        return importlib.import_module(IMPL)
    path = Path(IMPL)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("rlspec_impl_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main():
    instance = json.loads((HERE / "instance.json").read_text())
    args = [argument(instance, source) for _, source in ARGS]
    fn = getattr(load_impl(), FUNCTION)
    print(f"{formula_id}: calling {{FUNCTION}}({{', '.join(name for name, _ in ARGS)}}) from {{IMPL}}")
    got = np.asarray(fn(*args), dtype=np.float64)
    lecture = np.asarray(EXPECTED["lecture"][0], dtype=np.float64)
    print(f"expected (oracle): {{EXPECTED_DIGITS}}")
    print(f"expected float64:  {{lecture.tolist()}}")
    print(f"got:               {{got.tolist()}}")
    if got.shape != lecture.shape and not (lecture.shape == () and got.size == 1):
        print(f"FAIL: shape {{list(got.shape)}}, expected {{list(lecture.shape)}}")
        return 1
    got = got.reshape(lecture.shape)
    if not np.all(np.isfinite(got)):
        print("FAIL: the result is not finite")
        return 1
    for meaning, (value, limit, unit) in EXPECTED.items():
        value = np.asarray(value, dtype=np.float64)
        error = float(np.max(np.abs(got - value))) if got.size else 0.0
        verdict = "conforms" if error <= limit else "differs"
        print(f"  vs {{meaning:<12}} max error {{error:.3e}} = {{error / unit:.4g}} units "
              f"(tolerance {{limit / unit:.4g}}): {{verdict}}")
        if error <= limit:
            print("OK: conforms")
            return 0
    closest = min(EXPECTED, key=lambda m: float(np.max(np.abs(got - np.asarray(EXPECTED[m][0])))))
    value, limit = np.asarray(EXPECTED[closest][0], dtype=np.float64), EXPECTED[closest][1]  # noqa
    diff = np.abs(got - value)
    print(f"first differing entries (against {{closest}}):")
    for index in np.argwhere(diff > limit)[:5] if got.ndim else [()]:
        index = tuple(int(i) for i in index)
        print(f"  {{list(index)}}: expected {{float(value[index])!r}}, got {{float(got[index])!r}}")
    print("FAIL: does not conform")
    return 1


if __name__ == "__main__":
    sys.exit(main())
'''


def write_artifacts(
    out_dir: Path,
    f: Formula,
    impl: str,
    raw: dict[str, Any],
    outcome: Outcome,
    digits: Any,
    source: str,
) -> tuple[Path, Path]:
    """Write <out_dir>/<formula id>/instance.json and repro.py; return their paths."""
    folder = out_dir / f.id
    folder.mkdir(parents=True, exist_ok=True)
    instance_path = folder / "instance.json"
    instance_path.write_text(dumps(raw), encoding="utf-8")
    expected = {
        name: (np.asarray(v).tolist(), outcome.limits[name], EPS64 * outcome.scales[name])
        for name, v in outcome.expected.items()
    }
    impl_text = str(Path(impl).resolve()) if is_path(impl) else impl
    text = TEMPLATE.format(
        formula_id=f.id,
        section=f.section,
        function=f.adapter_name,
        impl=impl_text,
        impl_repr=repr(impl_text),
        impl_is_path=is_path(impl),
        search_path=repr([os.getcwd()]),
        source=source,
        args=repr([(a.name, a.source) for a in f.args]),
        expected=repr(expected),
        digits=json.dumps(digits),
        factor=f"{f.tolerance.factor:g}",
        scale_text=f.tolerance.scale,
        limit_repr=f"{outcome.limits.get('lecture', 0.0):.3e}",
    )
    repro_path = folder / "repro.py"
    repro_path.write_text(text, encoding="utf-8")
    return instance_path, repro_path
