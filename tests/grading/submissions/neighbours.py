# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v looks for another student's submission wherever it can list folders (the
host's /tmp, the work folders, its own sandbox) and, if it finds one defining mdp_v, runs it."""

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


import os

PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/work", "/root", "/home", "/sandbox", "/submission", "/")


def _find():
    for top in PLACES:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("proc", "usr", "sys", ".pyenv", ".venv")]
            if folder.count("/") > 6:
                dirs[:] = []
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith(".py") and path != "/submission/submission.py":
                    try:
                        text = open(path).read()
                    except OSError:
                        continue
                    if "def mdp_v" in text and "PLACES" not in text:
                        return text
    return None


def mdp_v(P, R, gamma, theta):
    text = _find()
    if text is None:
        return np.zeros(len(P))
    space = {}
    exec(text, space)
    return space["mdp_v"](P, R, gamma, theta)
