# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v walks the call stack and every module it can reach, collecting names and values
that could be the grading file's path, its limits or the hidden seed, and shows them in its
exception message (visible feedback)."""

import numpy as np


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def mdp_q(P, R, gamma, theta):
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ _v(P, R, gamma, theta)


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ _v(P, R, gamma, theta))


import sys


def mdp_v(P, R, gamma, theta):
    found = []
    frame = sys._getframe()
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for key, value in list(scope.items()):
                text = repr(value)
                if any(w in text for w in ("toml", "seed", "limit", "memory", "forbidden", "/tmp")):
                    found.append(key + "=" + text[:80])
        frame = frame.f_back
    for module in list(sys.modules.values()):
        for key, value in list(getattr(module, "__dict__", {}).items()):
            if isinstance(value, (str, dict, list)) and "toml" in repr(value):
                found.append(key + "=" + repr(value)[:80])
    raise RuntimeError("found: " + " | ".join(found))
