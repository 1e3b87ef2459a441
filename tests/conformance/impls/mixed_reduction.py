"""ppo.clip_objective_batch summed over odd batches and averaged over even ones: each instance
matches a declared convention, but not the same one (a bug the consistency check catches)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import numpy_impl


def ppo_clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    mean = float(getattr(numpy_impl, "ppo_clip_objective_batch")(logp_new, logp_old, adv, epsilon))  # noqa: B009
    return mean * len(adv) if len(adv) % 2 else np.float64(mean)
