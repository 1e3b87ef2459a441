"""A torch implementation of part of the MDP core, returning torch tensors (float64, CPU)."""

from __future__ import annotations

from typing import Any

import torch


def _values(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    p, r, t = (torch.as_tensor(x, dtype=torch.float64) for x in (P, R, theta))
    pi = torch.softmax(t, dim=1)
    p_pi = torch.einsum("sa,sat->st", pi, p)
    r_pi = torch.einsum("sa,sat,sat->s", pi, p, r)
    return torch.linalg.solve(torch.eye(p.shape[0], dtype=torch.float64) - float(gamma) * p_pi, r_pi)


def mdp_v(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    return _values(P, R, gamma, theta)


def pg_objective(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return torch.as_tensor(mu, dtype=torch.float64) @ _values(P, R, gamma, theta)  # a 0-d tensor


def mdp_q(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    v = _values(P, R, gamma, theta).requires_grad_(True)  # np.asarray refuses a tensor that requires grad
    p, r = torch.as_tensor(P), torch.as_tensor(R)
    return torch.einsum("sat,sat->sa", p, r) + float(gamma) * p @ v
