# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v imports rlspec's reference and oracle (by sys.path, by file location, by name)
to copy their answers; if that fails it returns zeros."""

import numpy as np


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def _q(P, R, gamma, theta):
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ _v(P, R, gamma, theta)


def mdp_q(P, R, gamma, theta):
    return _q(P, R, gamma, theta)


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ _v(P, R, gamma, theta))


import importlib.util
import sys

ROOT = "__RLSPEC_ROOT__"


def mdp_v(P, R, gamma, theta):
    sys.path.insert(0, ROOT)
    try:
        import reference.mdp as ref

        return [float(x) for x in ref.v(P.tolist(), R.tolist(), float(gamma), theta.tolist())]
    except Exception:
        pass
    try:
        spec = importlib.util.spec_from_file_location("stolen", ROOT + "/oracle/evaluate.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:
        pass
    try:
        __import__("rlspec.conformance_tests.examples.np_mdp")
    except Exception:
        pass
    return np.zeros(len(P))
