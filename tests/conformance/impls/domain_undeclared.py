"""The same library as domain_gamma_positive.py without the declaration: gamma = 0 is drawn."""

from typing import Any

from rlspec.conformance_tests.examples.np_mdp import mdp_v as _mdp_v


def mdp_v(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    assert gamma > 0, "discount must be in (0, 1]"
    return _mdp_v(P, R, gamma, theta)
