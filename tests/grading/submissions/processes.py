# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v tries fork, subprocess, os.system, multiprocessing, pty, a raw fork_exec, a
socket, killing the grader (its parent), raising its own limits, finding the audit hook with
gc, and ctypes; then returns the right value."""

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


import os
import signal

stolen = []


def _try(fn):
    try:
        stolen.append(fn())
    except BaseException:
        pass


def _fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid


def _subprocess():
    import subprocess

    return subprocess.run(["cat", "/etc/passwd"], capture_output=True).stdout


def _mp():
    import multiprocessing

    p = multiprocessing.Process(target=print)
    p.start()
    return p


def _raw():
    import _posixsubprocess

    return _posixsubprocess


def _socket():
    import socket

    return socket.create_connection(("127.0.0.1", 9), timeout=0.5)


def _limits():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _hook():
    import gc

    return [o for o in gc.get_objects() if callable(o) and getattr(o, "__name__", "") == "hook"]


def _ctypes():
    import sys

    sys.modules.pop("ctypes", None)
    import ctypes

    return ctypes.CDLL(None)


def mdp_v(P, R, gamma, theta):
    _try(_fork)
    _try(_subprocess)
    _try(lambda: os.system("echo pwned"))
    _try(_mp)
    _try(lambda: __import__("pty").fork())
    _try(_raw)
    _try(_socket)
    _try(lambda: os.kill(os.getppid(), signal.SIGKILL))
    _try(_limits)
    _try(_hook)
    _try(_ctypes)
    return _v(P, R, gamma, theta)
