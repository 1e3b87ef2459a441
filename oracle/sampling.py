"""Random instances for the conformance suite and `rlspec generate`: a family's `generate` plus
every `params.*` argument the chosen formulas need, sampled by the argument's domain.

Domains (spec.formula.Arg.domain) for `params.*` arguments:

  real             N(0, 1)
  reward           U(-1, 1)
  logits           N(0, 1) * logit_scale (the family option, default 1)
  logits_near:ARG  ARG + 0.3 N(0, 1), ARG another argument of the same formula (by name)
  positive         exp(N(0, 1))
  unit_open        U(0, 1)            (aliases: prob, (0,1))
  clip_epsilon     U(0.05, 0.5)
  step_size        U(0.01, 2)
  temperature      log-uniform on [1e-3, 1e1]
  int:LO..HI       an integer in [LO, HI] (as a float)
  flag             0.0 or 1.0         (alias: bool)
  log_prob         -exp(N(0, 1))
  distribution     Dirichlet(1, ..., 1) along the last axis
  discount         one of 0.5, 0.9, 0.99
  int>=0           an integer in [0, 5]

A family may sample domains of its own first: `family.sample_param(rng, domain, shape, raw)`
returns a value (array or float) or None when the domain is not its own.

Shapes are symbolic; symbols are resolved from `family.sizes(instance)`, `N` from the option
`batch` (default 8), products like "S*A" by multiplication, and any other symbol is drawn once
per instance from 1..4. Everything is deterministic in the seed (a numpy Generator).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

from rlspec.oracle.instance import family_module, from_mapping
from rlspec.spec.formula import Arg, Formula

DEFAULT_BATCH = 8
PARAM_SEED_SALT = 0x5EED


def sample_instance(
    family: str | ModuleType,
    seed: int,
    options: Mapping[str, Any] | None = None,
    formulas: Iterable[Formula] = (),
) -> dict[str, Any]:
    """A JSON-ready instance of `family` (binary64 floats only) with every `params.*` argument
    the `formulas` need. Arguments already present (shared by several formulas) are kept."""
    module = family_module(family) if isinstance(family, str) else family
    opts = dict(options or {})
    raw: dict[str, Any] = module.generate(seed, **opts)
    raw.setdefault("params", {})
    rng = np.random.default_rng([PARAM_SEED_SALT, seed])
    dims = _dimensions(module, raw, opts)
    for f in formulas:
        named = {a.name: a for a in f.args}
        for arg in f.args:
            if not arg.source.startswith("params."):
                continue
            key = arg.source[len("params.") :]
            if key in raw["params"]:
                continue
            shape = resolve_shape(arg.shape, dims, rng)
            value = sample_param(module, rng, arg, shape, raw, opts, named)
            raw["params"][key] = to_json_ready(value)
    if not raw["params"]:
        del raw["params"]
    return raw


def _dimensions(module: ModuleType, raw: dict[str, Any], opts: Mapping[str, Any]) -> dict[str, int]:
    sizes_fn = getattr(module, "sizes", None)
    dims: dict[str, int] = {}
    if sizes_fn is not None:
        dims.update(sizes_fn(from_mapping(raw)))
    dims.setdefault("N", int(opts.get("batch", DEFAULT_BATCH)))
    return dims


def resolve_shape(
    symbols: tuple[str, ...], dims: dict[str, int], rng: np.random.Generator
) -> tuple[int, ...]:
    """Symbolic shape -> integers; unknown symbols are drawn once (1..4) and remembered."""
    out = []
    for symbol in symbols:
        size = 1
        for part in symbol.split("*"):
            part = part.strip()
            if part.isdigit():
                size *= int(part)
                continue
            if part not in dims:
                dims[part] = int(rng.integers(1, 5))
            size *= dims[part]
        out.append(size)
    return tuple(out)


def sample_param(
    module: ModuleType,
    rng: np.random.Generator,
    arg: Arg,
    shape: tuple[int, ...],
    raw: dict[str, Any],
    options: Mapping[str, Any],
    named: Mapping[str, Arg],
) -> Any:
    """One value for `arg`: the family's `sample_param` hook first, then the shared vocabulary."""
    hook = getattr(module, "sample_param", None)
    if hook is not None:
        value = hook(rng, arg.domain, shape, raw)
        if value is not None:
            return value
    return sample_domain(rng, arg.domain, shape, raw, options, named)


def sample_domain(
    rng: np.random.Generator,
    domain: str,
    shape: tuple[int, ...],
    raw: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    named: Mapping[str, Arg] | None = None,
) -> Any:
    """A float64 value (array of `shape`, or a float when shape == ()) from a domain."""
    opts = options or {}
    kind, _, detail = domain.partition(":")
    if kind == "real":
        value = rng.normal(size=shape)
    elif kind == "reward":
        value = rng.uniform(-1.0, 1.0, size=shape)
    elif kind == "logits":
        value = float(opts.get("logit_scale", 1.0)) * rng.normal(size=shape)
    elif kind == "logits_near":
        base = np.asarray(_lookup(detail, raw or {}, named or {}), dtype=np.float64)
        value = base + 0.3 * rng.normal(size=base.shape)
    elif kind == "positive":
        value = np.exp(rng.normal(size=shape))
    elif kind in ("unit_open", "prob", "(0,1)"):
        value = rng.uniform(0.0, 1.0, size=shape)
        value = np.where(value == 0.0, 0.5, value)
    elif kind == "clip_epsilon":
        value = rng.uniform(0.05, 0.5, size=shape)
    elif kind == "step_size":
        value = rng.uniform(0.01, 2.0, size=shape)
    elif kind == "temperature":
        value = np.exp(rng.uniform(math.log(1e-3), math.log(1e1), size=shape))
    elif kind == "int":
        lo, _, hi = detail.partition("..")
        value = rng.integers(int(lo), int(hi) + 1, size=shape).astype(np.float64)
    elif kind == "int>=0":
        value = rng.integers(0, 6, size=shape).astype(np.float64)
    elif kind in ("flag", "bool"):
        value = rng.integers(0, 2, size=shape).astype(np.float64)
    elif kind == "log_prob":
        value = -np.exp(rng.normal(size=shape))
    elif kind == "distribution":
        value = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if shape else np.ones(())
    elif kind == "discount":
        value = rng.choice(np.array([0.5, 0.9, 0.99]), size=shape)
    else:
        raise ValueError(f"unknown parameter domain {domain!r} (see oracle/sampling.py)")
    if shape == ():
        return float(np.asarray(value).reshape(-1)[0]) if np.size(value) else float(value)
    return np.asarray(value, dtype=np.float64).reshape(shape)


def _lookup(name: str, raw: Mapping[str, Any], named: Mapping[str, Arg]) -> Any:
    """The value of another argument `name` of the same formula, from the instance so far."""
    arg = named.get(name)
    source = arg.source if arg is not None else name
    if source.startswith("params."):
        params = raw.get("params", {})
        key = source[len("params.") :]
        if key in params:
            return params[key]
    elif source in raw:
        return raw[source]
    raise ValueError(f"domain logits_near:{name}: the instance has no {source!r} yet")


def to_json_ready(value: Any) -> Any:
    """numpy values -> Python floats / nested lists of floats."""
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=np.float64).tolist()
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value
