# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v tries to write a full-marks results.json at the report path, truncate the
grading file and drop a file in rlspec's folder; then returns the right value."""

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


import json
import os

REPORT = "__REPORT__"
CONFIG = "__CONFIG__"
ROOT = "__RLSPEC_ROOT__"


def mdp_v(P, R, gamma, theta):
    fake = {"score": 1000, "tests": []}
    for path, mode in ((REPORT, "w"), (CONFIG, "w"), (CONFIG, "a"), (os.path.join(ROOT, "pwned.py"), "x")):
        try:
            with open(path, mode) as fh:
                fh.write(json.dumps(fake))
        except Exception:
            pass
    try:
        os.truncate(CONFIG, 0)
    except Exception:
        pass
    return _v(P, R, gamma, theta)
