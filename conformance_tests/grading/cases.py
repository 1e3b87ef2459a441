"""The cases of a grading run, drawn and computed once for the whole class.

Visible cases come from [visible].seed and are the same for every student. Hidden cases come
from a pool drawn from [hidden].seed ([hidden].pool_factor times [hidden].count per formula);
each submission grades its own subset of the pool, picked by HMAC-SHA256 keyed with the hidden
seed over the formula and the submission's key (its name and the SHA-256 of its bytes). One
leaked hidden case serves nobody else, and the instructor's report (pool indices and instance
seeds) keeps every case reproducible.

A case is not graded when a constant answer could pass it: its tolerance must be small next to
the expected values (below TRIVIAL_SHARE of max |expected|, and for several entries below
TRIVIAL_SHARE of half their spread, under every declared meaning); otherwise another is drawn.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rlspec.conformance_tests.compare import compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.grading.config import FormulaSpec, GradingConfig
from rlspec.conformance_tests.selection import registered
from rlspec.conformance_tests.sources import Expected, LiveOracle
from rlspec.conformance_tests.strategies import build, family_options
from rlspec.conformance_tests.worker import CallResult
from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.spec.formula import Formula

TRIVIAL_SHARE = 0.01
MAX_ATTEMPTS = 40  # draws per wanted case before giving up (a usage error naming the formula)


class GradingError(UsageError):
    pass


@dataclass(frozen=True)
class Case:
    label: str
    hidden: bool
    seed: int
    options: dict[str, Any]
    raw: dict[str, Any]
    expected: Expected
    pool_index: int | None = None  # the hidden pool's index (None for visible cases)


def trivial(f: Formula, raw: dict[str, Any], value: np.ndarray) -> bool:
    """True when a constant answer could pass the case: under some meaning (the lecture's or a
    declared convention's) the absolute tolerance is not small next to max |expected| (zero
    would pass) or, for several entries, next to half their spread (their midrange would)."""
    inputs = instance_inputs(f, raw)
    probe = CallResult("ok", [0.0] * int(np.size(value)), tuple(np.shape(value)))
    outcome = compare(f, inputs, value, probe)
    for name, expected in outcome.expected.items():
        limit = outcome.limits[name]
        if not np.all(np.isfinite(expected)):
            return True
        top = float(np.max(np.abs(expected))) if expected.size else 0.0
        if limit >= TRIVIAL_SHARE * top:
            return True
        if expected.size > 1 and limit >= TRIVIAL_SHARE * float(np.ptp(expected)) / 2:
            return True
    return False


def draw_cases(
    f: Formula, spec: FormulaSpec, seed: int, count: int, hidden: bool, source: LiveOracle
) -> list[Case]:
    """`count` instances of the formula's family, reproducible from the seed; each with the
    oracle's value. Options within the family's ranges, narrowed by the grading file's; cases a
    constant could pass are skipped, and so are cases on a decision boundary, where float64
    rounding decides between several correct answers (oracle/margins.py: a line search whose
    gain is exactly 0, a ratio on a clip kink): a grade must not depend on a rounding."""
    sizes, choices = family_options(f.family)
    kind = "hidden" if hidden else "visible"
    rng = random.Random(zlib.crc32(f"{kind}:{seed}:{f.id}".encode()))
    out: list[Case] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > MAX_ATTEMPTS * count + 20:
            raise GradingError(
                f"could not draw {count} {kind} cases for {f.id} with these options "
                "(each must have a tolerance small next to its expected values)"
            )
        options: dict[str, Any] = {}
        for name, (lo, hi) in sizes.items():
            a, b = spec.options.get(name, (lo, hi))
            options[name] = rng.randint(int(a), int(b))
        for name, values in choices.items():
            options[name] = rng.choice(tuple(spec.options.get(name, values)))
        instance_seed = rng.randrange(2**32)
        built = build(f.family, instance_seed, options, (f,))
        if built is None:
            continue
        raw, used = built
        try:
            expected = source.expected(f, raw)
        except InstanceError:
            continue
        if expected.alternatives or trivial(f, raw, np.asarray(expected.value, dtype=np.float64)):
            continue
        index = len(out) if hidden else None
        out.append(Case(f"{kind} case {len(out) + 1}", hidden, instance_seed, used, raw, expected, index))
    return out


@dataclass
class ClassCases:
    """Every formula's visible cases and hidden pool, computed once; `errors` holds the formulas
    whose cases could not be computed (rlspec's fault: graded "error", the others go on)."""

    secret: bytes
    visible: dict[str, list[Case]] = field(default_factory=dict)
    pool: dict[str, list[Case]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def hidden_for(self, spec: FormulaSpec, key: str) -> list[Case]:
        """The submission's own hidden cases: `spec.hidden` of the pool, picked by HMAC."""
        pool = self.pool.get(spec.id, [])
        digest = hmac.new(self.secret, f"{spec.id}\n{key}".encode(), hashlib.sha256).digest()
        picks = sorted(random.Random(digest).sample(range(len(pool)), min(spec.hidden, len(pool))))
        return [replace(pool[i], label=f"hidden case {n}") for n, i in enumerate(picks, 1)]


def submission_key(name: str, source: bytes) -> str:
    return f"{name}:{hashlib.sha256(source).hexdigest()}"


def prepare(
    cfg: GradingConfig, source: LiveOracle | None = None, progress: Callable[[str], None] | None = None
) -> ClassCases:
    """Draw and compute every formula's visible cases and hidden pool (once for the class)."""
    source = source or LiveOracle(cfg.dps)
    out = ClassCases(secret=str(cfg.hidden_seed).encode())
    for n, spec in enumerate(cfg.formulas, 1):
        f = registered(spec.id)
        try:
            out.visible[f.id] = draw_cases(f, spec, cfg.visible_seed, spec.visible, False, source)
            pool = spec.hidden * cfg.pool_factor
            out.pool[f.id] = draw_cases(f, spec, cfg.hidden_seed, pool, True, source)
        except UsageError:
            raise
        except Exception as exc:  # rlspec's fault, not a submission's: say so, grade the others
            out.errors[f.id] = f"grader error (not the submission's fault): {type(exc).__name__}: {exc}"[:300]
        if progress is not None:
            progress(f"[cases {n}/{len(cfg.formulas)}] {f.id}")
    return out
