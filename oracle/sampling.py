"""Random instances for the conformance suite and `rlspec generate`: a family's `generate` plus
every `params.*` argument the chosen formulas need, sampled by the argument's domain.

Domains (spec.formula.Arg.domain) for `params.*` arguments:

  real             N(0, 1)
  reward           U(-1, 1)
  logits           N(0, 1) * logit_scale (the family option, default 1)
  logits_near:ARG  ARG + 0.3 N(0, 1), ARG another argument of the same formula (by name)
  real_at:ARG      N(0, 1) in half the draws, else 4 ARG N(0, 1): values whose differences are on
                   the scale of ARG (a temperature), so that softmax(value / ARG) has every
                   probability scale rather than being one-hot
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

Domain ends. The option `param_end` ("low" or "high"; a corner of every family, see
conformance_tests/strategies.py) draws each `params.*` argument near one end of its domain
instead (domains without an end, like real and reward, are drawn as usual):

  domain           low end                        high end
  unit_open        U(1e-6, 1e-3)                  1 - U(1e-6, 1e-3)
  clip_epsilon     U(1e-3, 1e-2)                  U(0.9, 1)
  step_size        log-uniform [1e-4, 1e-3]       log-uniform [5, 20]
  temperature      log-uniform [1e-5, 1e-4]       log-uniform [1e2, 1e3]
  positive         log-uniform [1e-6, 1e-4]       log-uniform [1e4, 1e6]
  int:LO..HI       LO                             HI
  flag             all 0                          all 1
  log_prob         -U(1e-12, 1e-9)                -U(20, 40)
  discount         0                              0.999
  distribution     Dirichlet(0.05) (near-degenerate)   Dirichlet(50) (near-uniform)
  logits           0.01 N(0, 1)                   20 N(0, 1)
  budget           log-uniform [1e-8, 1e-6]       log-uniform [10, 100]
  logits_near:ARG  (drawn as usual)               ARG +- U(20, 40) per entry
  real_at:ARG      rows alternately 4 ARG N(0, 1)   N(0, 1)
                   (ARG at its end) and N(0, 1)
  log_prob_near:ARG (drawn as usual)              ARG +- U(20, 40), kept <= 0 (the sign flips)

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

from rlspec.oracle.instance import Instance, family_module
from rlspec.spec.formula import Arg, Formula

DEFAULT_BATCH = 8
PARAM_SEED_SALT = 0x5EED
PARAM_END = "param_end"
# domains "KIND:ARG" of a value near another argument ARG; their high end is far from ARG
NEAR_DOMAINS = ("logits_near", "log_prob_near")


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
    end = opts.pop(PARAM_END, None)
    if end not in (None, "low", "high"):
        raise ValueError(f"{PARAM_END} must be low or high, not {end!r}")
    raw: dict[str, Any] = module.generate(seed, **opts)
    if end is not None:
        opts[PARAM_END] = end
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
    """The family's sizes, read from the shapes of the generated arrays (no validation here:
    whoever evaluates the instance validates it, once)."""
    sizes_fn = getattr(module, "sizes", None)
    dims: dict[str, int] = {}
    if sizes_fn is not None:
        data = {k: v for k, v in raw.items() if k not in ("family", "params")}
        dims.update(sizes_fn(Instance(str(raw["family"]), data, dict(raw.get("params", {})))))
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
    """One value for `arg`: near a domain end when the option `param_end` asks for it, else the
    family's `sample_param` hook first, then the shared vocabulary."""
    end = options.get(PARAM_END)
    kind, _, detail = arg.domain.partition(":")
    if kind == "real_at":
        scale = float(np.max(np.abs(_drawn(module, rng, detail, raw, options, named))))
        factor = np.ones(shape[:1] + (1,) * max(len(shape) - 1, 0))
        if end == "low":  # even rows on the scale, odd rows far beyond it (exp overflows)
            factor[::2] = 4.0 * scale
        elif end is None and rng.random() < 0.5:
            factor[...] = 4.0 * scale
        return _shaped(factor * rng.normal(size=shape), shape)
    if end is not None:
        if end == "high" and kind in NEAR_DOMAINS:
            return far_from(module, rng, kind, detail, raw, options, named)
        value = domain_end(rng, kind, detail, shape, end == "high")
        if value is not None:
            return _shaped(value, shape)
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
    end = opts.get(PARAM_END)
    value = None if end is None else domain_end(rng, kind, detail, shape, end == "high")
    if value is not None:
        return _shaped(value, shape)
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
    return _shaped(value, shape)


def _shaped(value: Any, shape: tuple[int, ...]) -> Any:
    """A float when shape == (), else a float64 array of `shape`."""
    if shape == ():
        return float(np.asarray(value).reshape(-1)[0]) if np.size(value) else float(value)
    return np.asarray(value, dtype=np.float64).reshape(shape)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, shape: tuple[int, ...]) -> Any:
    return np.exp(rng.uniform(math.log(lo), math.log(hi), size=shape))


def domain_end(
    rng: np.random.Generator, kind: str, detail: str, shape: tuple[int, ...], high: bool
) -> Any:
    """A value near the low (or high) end of a domain (the table in the module docstring), or
    None for a domain without ends."""
    if kind in ("unit_open", "prob", "(0,1)"):
        near = rng.uniform(1e-6, 1e-3, size=shape)
        return 1.0 - near if high else near
    if kind == "clip_epsilon":
        return rng.uniform(0.9, 1.0, size=shape) if high else rng.uniform(1e-3, 1e-2, size=shape)
    if kind in ("step_size", "temperature", "positive"):
        lo, hi = {"step_size": ((1e-4, 1e-3), (5.0, 20.0)), "temperature": ((1e-5, 1e-4), (1e2, 1e3)),
                  "positive": ((1e-6, 1e-4), (1e4, 1e6))}[kind][high]  # fmt: skip
        return _log_uniform(rng, lo, hi, shape)
    if kind == "int":
        first, _, last = detail.partition("..")
        return np.full(shape, float(last if high else first))
    if kind in ("flag", "bool"):
        return np.full(shape, 1.0 if high else 0.0)
    if kind == "log_prob":
        return -rng.uniform(20.0, 40.0, size=shape) if high else -rng.uniform(1e-12, 1e-9, size=shape)
    if kind == "discount":
        return np.full(shape, 0.999 if high else 0.0)
    if kind == "distribution" and shape:
        return rng.dirichlet(np.full(shape[-1], 50.0 if high else 0.05), size=shape[:-1])
    if kind == "logits":
        return (20.0 if high else 0.01) * rng.normal(size=shape)
    if kind == "budget":
        return _log_uniform(rng, 1e1, 1e2, shape) if high else _log_uniform(rng, 1e-8, 1e-6, shape)
    return None


def far_from(
    module: ModuleType,
    rng: np.random.Generator,
    kind: str,
    detail: str,
    raw: dict[str, Any],
    options: Mapping[str, Any],
    named: Mapping[str, Arg],
) -> Any:
    """The high end of a `*_near:ARG` domain: ARG (drawn first, at its own domain's end, when the
    instance has none yet) plus a difference of 20 to 40 in size and random sign per entry; a
    log-probability that would pass 0 takes the other sign, so it stays <= 0."""
    base = _drawn(module, rng, detail, raw, options, named)
    far = rng.choice(np.array([-1.0, 1.0]), base.shape) * rng.uniform(20.0, 40.0, base.shape)
    if kind == "log_prob_near":
        far = np.where(base + far > 0.0, -np.abs(far), far)
    return base + far


def _drawn(
    module: ModuleType,
    rng: np.random.Generator,
    name: str,
    raw: dict[str, Any],
    options: Mapping[str, Any],
    named: Mapping[str, Arg],
) -> Any:
    """Another argument's value as a float64 array, drawn first (at the domain end the options
    ask for) when the instance has none yet."""
    if name in named and named[name].source.startswith("params."):
        key = named[name].source[len("params.") :]
        if key not in raw.setdefault("params", {}):
            dims = _dimensions(module, raw, options)
            shape = resolve_shape(named[name].shape, dims, rng)
            value = sample_param(module, rng, named[name], shape, raw, options, named)
            raw["params"][key] = to_json_ready(value)
    return np.asarray(_lookup(name, raw, named), dtype=np.float64)


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
