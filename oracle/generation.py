"""A seeded random instance of a family, as `rlspec generate` prints it: the family's generator
with checked options, the per-formula params a formula needs, and the result checked as
`rlspec oracle` will read it. Usage errors (UsageError) name the option or key."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.oracle.evaluate import lookup
from rlspec.oracle.instance import dumps, family_module, parse
from rlspec.oracle.sampling import sample_instance


def instance_text(family: str, seed: int, options: dict[str, object], formula_ids: Sequence[str]) -> str:
    """The instance JSON text; `options` are the generator's keyword arguments, `formula_ids`
    the formulas whose params are added (all of the family)."""
    module = family_module(family)
    accepted = inspect.signature(module.generate).parameters
    for name in options:
        if name not in accepted or name == "seed":
            known = ", ".join(f"--{p.replace('_', '-')}" for p in accepted if p != "seed")
            raise UsageError(f"generate {family}: unknown option --{name} (known: {known}, --formula ID)")
    formulas = [lookup(i) for i in formula_ids]
    for f in formulas:
        if f.family != family:
            raise UsageError(f"generate {family}: {f.id} needs the {f.family!r} family")
    try:
        if formulas:
            raw = sample_instance(module, seed, options, formulas)
        else:
            raw = module.generate(seed, **options)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"generate {family}: {exc}") from None
    except MemoryError:
        raise UsageError(f"generate {family}: not enough memory for an instance of these sizes") from None
    text = dumps(raw)
    try:
        parse(text)  # what `rlspec oracle` will read: options such as --gamma 1.5 make a bad instance
    except InstanceError as exc:
        raise UsageError(f"generate {family}: these options give a bad instance: {exc}") from None
    return text
