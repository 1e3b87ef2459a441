"""An adapter whose mdp_v takes (P, R, theta, gamma): the registry passes (P, R, gamma, theta)
by position, so theta receives gamma. Its entropy_h names its one argument `logits` (harmless:
same position) and is correct."""

from __future__ import annotations

from typing import Any

import numpy as np


def mdp_v(P: Any, R: Any, theta: Any, gamma: Any) -> Any:
    pi = np.exp(theta - np.max(theta, axis=1, keepdims=True))
    pi /= np.sum(pi, axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def entropy_h(logits: Any) -> Any:
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(np.exp(log_p) * log_p, axis=1)
