# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v tries to read rlspec's source, the grading file (its hidden seed), a symlink to
it, the parent's memory and environment (also through /proc/self/..), a file under a folder
descriptor (dir_fd), paths whose str/bytes methods lie or that change between two looks, and to
list rlspec's folders; then returns the right
value (a formula whose code touched these gets 0 all the same)."""

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


import glob
import os

ROOT = "__RLSPEC_ROOT__"
CONFIG = "__CONFIG__"
stolen = []


def _try(fn):
    try:
        stolen.append(fn())
    except Exception:
        pass


class Sneaky(str):
    """A path whose string methods lie (a hook calling them would see /tmp/harmless)."""

    def startswith(self, *args):
        return True

    def split(self, *args):
        return ["tmp", "harmless"]

    def __str__(self):
        return "/tmp/harmless"


class SneakyBytes(bytes):
    def __bytes__(self):
        return b"/tmp/harmless"


class Flip:
    """A path object answering differently each time it is asked."""

    calls = 0

    def __fspath__(self):
        Flip.calls += 1
        return "/tmp/harmless" if Flip.calls % 2 else ROOT + "/oracle/instance.py"


def mdp_v(P, R, gamma, theta):
    _try(lambda: open(Sneaky(ROOT + "/spec/__init__.py")).read())
    _try(lambda: open(SneakyBytes((ROOT + "/reference/mdp.py").encode())).read())
    for _ in range(2):
        _try(lambda: open(Flip()).read())
    _try(lambda: open(os.path.join(ROOT, "oracle", "evaluate.py")).read())
    _try(lambda: open(CONFIG, "rb").read())
    _try(lambda: os.open(CONFIG, os.O_RDONLY))
    _try(lambda: os.symlink(CONFIG, "link.toml"))
    _try(lambda: open("link.toml").read())
    _try(lambda: open("/proc/%d/environ" % os.getppid(), "rb").read())
    _try(lambda: open("/proc/%d/mem" % os.getppid(), "rb").read(10))
    _try(lambda: os.listdir(os.path.join(ROOT, "conformance_tests")))
    _try(lambda: glob.glob(os.path.join(ROOT, "*")))
    _try(
        lambda: os.open(
            ROOT.lstrip("/") + "/oracle/evaluate.py", os.O_RDONLY, dir_fd=os.open("/", os.O_RDONLY)
        )
    )
    _try(lambda: open("/proc/%d/cwd/oracle/evaluate.py" % os.getppid()).read())
    _try(lambda: open("/proc/self/../%d/environ" % os.getppid()).read())
    return _v(P, R, gamma, theta)
