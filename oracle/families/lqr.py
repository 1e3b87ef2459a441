"""The lqr family (DESIGN.md): gamma, A [n][n], B [n][m], Q [n][n], R [m][m], W [n][n],
Sigma0 [n][n], K [m][n]. s' = A s + B a + w, w ~ N(0, W); s_0 ~ N(0, Sigma0);
r(s, a) = -(s^T Q s + a^T R a); deterministic policy a = K s.

Q, R, W and Sigma0 must be exactly symmetric; W and Sigma0 positive semidefinite (they are
covariances). K must stabilize the discounted closed loop: the spectral radius of
sqrt(gamma) (A + B K) must be < 1, otherwise V^K is infinite.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import mp

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, discount, shape_of, show
from rlspec.oracle.instance import Instance
from rlspec.reference.dpg import closed_loop
from rlspec.reference.numbers import to_mpf

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"n": (1, 4), "m": (1, 3)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "gamma": (0.9, 0.0, 0.5, 0.99, 0.999),
    "rho": (0.5, 0.9, 0.99, 0.999),
}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"n": 3, "m": 2}
CORNERS: dict[str, dict[str, object]] = {
    "near_unstable_K": {"rho": 0.999},
    "gamma_near_one": {"gamma": 0.999, "rho": 0.99},
    "gamma_zero": {"gamma": 0.0},
}
# A discounted spectral radius this close to 1 is refused as unstable (V^K would be ~1e30).
STABILITY_MARGIN = Fraction(1, 10**15)


def sizes(instance: Instance) -> dict[str, int]:
    n, m = shape_of(instance.data["B"], "B")
    return {"n": n, "m": m}


def validate(instance: Instance) -> None:
    gamma = discount(instance)
    A = array(instance, "A", ndim=2)
    n, n2 = shape_of(A, "A")
    if n2 != n:
        raise InstanceError("A", f"has shape {[n, n2]}, must be square [n][n]")
    B = array(instance, "B", ndim=2)
    if shape_of(B, "B")[0] != n:
        raise InstanceError("B", f"has {shape_of(B, 'B')[0]} rows, expected n = {n} (the rows of A)")
    m = shape_of(B, "B")[1]
    for key, dim in (("Q", n), ("R", m), ("W", n), ("Sigma0", n)):
        symmetric(array(instance, key, shape=(dim, dim)), key)
    for key in ("W", "Sigma0"):
        positive_semidefinite(instance.data[key], key)
    K = array(instance, "K", shape=(m, n))
    rho = discounted_spectral_radius(gamma, A, B, K)
    if rho >= 1 - STABILITY_MARGIN:
        raise InstanceError(
            "K",
            f"does not stabilize the discounted closed loop: sqrt(gamma) (A + B K) has spectral radius "
            f"{show(rho)} >= 1, so V^K is infinite",
        )


def symmetric(X: list[list[Fraction]], key: str) -> None:
    for i, row in enumerate(X):
        for j in range(i):
            if row[j] != X[j][i]:
                raise InstanceError(key, f"must be symmetric: {key}[{i}][{j}] != {key}[{j}][{i}]")


def positive_semidefinite(X: list[list[Fraction]], key: str) -> None:
    """Exact LDL^T elimination in rationals: every pivot >= 0, a zero pivot with a zero column."""
    a = [list(row) for row in X]
    n = len(a)
    for k in range(n):
        pivot = a[k][k]
        if pivot < 0:
            raise InstanceError(key, "must be positive semidefinite (it is a covariance)")
        if pivot == 0:
            if any(a[i][k] != 0 for i in range(k + 1, n)):
                raise InstanceError(key, "must be positive semidefinite (it is a covariance)")
            continue
        for i in range(k + 1, n):
            factor = a[i][k] / pivot
            for j in range(k + 1, n):
                a[i][j] -= factor * a[k][j]


def discounted_spectral_radius(gamma: Fraction, A: Any, B: Any, K: Any) -> Fraction:
    """sqrt(gamma) * max |eig(A + B K)|, computed at 40 digits."""
    with mp.workdps(40):
        loop = closed_loop(A, B, K)
        # (mpmath's eig returns a tuple for 1x1 matrices)
        eigenvalues = loop[0] if len(loop) == 1 else mp.eig(mp.matrix(loop), left=False, right=False)
        rho = mp.sqrt(to_mpf(gamma)) * max(abs(e) for e in eigenvalues)
        return Fraction(mp.nstr(rho, 35, min_fixed=-mp.inf, max_fixed=mp.inf))


# ---- random instances ------------------------------------------------------------------------


def generate(
    seed: int, n: int = 2, m: int = 1, gamma: float | None = None, rho: float | None = None
) -> dict[str, Any]:
    """A seeded random LQR instance as JSON-ready binary64 numbers.

    rho: the discounted spectral radius sqrt(gamma) max|eig(A + B K)| to aim at (default: one
    of 0.5, 0.9, 0.99); values near 1 give near-unstable, ill-conditioned instances.
    """
    if n < 1 or m < 1:
        raise ValueError("need n >= 1 and m >= 1")
    rng = np.random.default_rng(seed)
    g = float(rng.choice([0.5, 0.9, 0.99])) if gamma is None else float(gamma)
    target = float(rng.choice([0.5, 0.9, 0.99])) if rho is None else float(rho)
    if not 0 <= g < 1 or not 0 < target < 1:
        raise ValueError("need 0 <= gamma < 1 and 0 < rho < 1")
    B = rng.normal(size=(n, m))
    K = 0.5 * rng.normal(size=(m, n))
    M = rng.normal(size=(n, n))
    radius = float(np.max(np.abs(np.linalg.eigvals(M))))
    if radius == 0.0:
        M, radius = np.eye(n), 1.0
    M *= (target / np.sqrt(g) if g > 0 else 1.5) / radius
    A = M - B @ K
    return {
        "family": "lqr",
        "gamma": g,
        "A": A.tolist(),
        "B": B.tolist(),
        "Q": _spd(rng, n, 0.1).tolist(),
        "R": _spd(rng, m, 0.1).tolist(),
        "W": (0.1 * _spd(rng, n, 0.01)).tolist(),
        "Sigma0": _spd(rng, n, 0.01).tolist(),
        "K": K.tolist(),
    }


def _spd(rng: np.random.Generator, n: int, ridge: float) -> np.ndarray:
    """A random positive semidefinite matrix (X X^T / n + ridge I), exactly symmetric."""
    X = rng.normal(size=(n, n))
    S = X @ X.T / n + ridge * np.eye(n)
    return (S + S.T) / 2
